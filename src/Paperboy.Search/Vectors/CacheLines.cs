using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Paperboy.Search.Vectors;

/// <summary>Memory a loop will read soon, asked for before it is needed so that the trips to memory overlap.</summary>
internal static class CacheLines
{
    private const int LineBytes = 64;

    /// <summary>
    /// Asks the CPU to start loading <paramref name="bytes"/> from <paramref name="start"/> into its caches, without
    /// waiting for them (x86 <c>prefetcht0</c>, a line at a time); elsewhere it loads the first line. A hint only: an
    /// array the collector moves meanwhile is read correctly all the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<T>(ref T start, int bytes) where T : unmanaged
    {
        if (!Sse.IsSupported) { _ = Volatile.Read(ref Unsafe.As<T, byte>(ref start)); return; }
        var p = (byte*)Unsafe.AsPointer(ref start);
        for (var offset = 0; offset < bytes; offset += LineBytes) Sse.Prefetch0(p + offset);
    }
}
