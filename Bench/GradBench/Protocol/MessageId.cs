using System;
using System.Text;
using System.Text.Json;

namespace AutoDiffGen.GradBench.Protocol;

/// <summary>
/// Finds the <c>id</c> of a message so that even a broken message gets a reply: the eval waits for each reply
/// before it sends the next message, so a message left unanswered would stall the session.
/// </summary>
internal static class MessageId
{
    /// <summary>
    /// The raw JSON text of the message's top-level <c>id</c> when it is a number or a string, so the reply can echo
    /// it exactly; otherwise null.
    /// </summary>
    public static string? Read(JsonElement message)
    {
        return message.ValueKind == JsonValueKind.Object
            && message.TryGetProperty("id", out JsonElement id)
            && id.ValueKind is JsonValueKind.Number or JsonValueKind.String
            ? id.GetRawText()
            : null;
    }

    /// <summary>
    /// For a line that is not valid JSON: reads its tokens up to the first error and returns the raw text of a
    /// top-level <c>"id"</c> number or string met on the way, or null. So <c>{"id": 7, "kind": "evaluate", "input": [1,</c>
    /// still yields <c>7</c>, while a line broken before its id yields nothing.
    /// </summary>
    public static string? Salvage(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("id"u8))
                {
                    if (!reader.Read())
                    {
                        return null;
                    }

                    if (reader.TokenType is JsonTokenType.Number or JsonTokenType.String)
                    {
                        int start = (int)reader.TokenStartIndex;
                        return Encoding.UTF8.GetString(bytes, start, (int)reader.BytesConsumed - start);
                    }

                    return null;
                }
            }
        }
        catch (JsonException)
        {
            // The line breaks before any id: nothing to salvage.
        }

        return null;
    }
}
