System.Console.WriteLine("QuickStart");
