// Every stack buffer in the kernels (the chunk buffers of composite operations, the GEMM edge tile) is written before
// it is read, so the runtime skips the zeroing that `stackalloc` would otherwise do on each call: for a short input
// that zeroing (2 KB per chunk buffer) costs more than the operation itself.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
