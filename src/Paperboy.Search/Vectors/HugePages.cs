using System.Runtime.InteropServices;

namespace Paperboy.Search.Vectors;

/// <summary>
/// Arrays of gigabytes walked at random (the graph's base layer) backed by 2 MiB pages where Linux allows it.
/// <para>
/// A graph walk touches one block in a different 4 KiB page at almost every hop. Over a base layer of 3 GB that is a
/// TLB miss and a page-table walk per hop. With transparent huge pages the same layer needs 1,500 TLB entries instead of
/// 700,000. Most distributions set transparent huge pages to <c>madvise</c>: only memory the program asks for gets
/// them. So the array is allocated on the pinned heap (it never moves) and its 2 MiB-aligned interior is advised
/// <c>MADV_HUGEPAGE</c> before anything touches it. Elsewhere, or when the kernel refuses, it is an ordinary array.
/// </para>
/// </summary>
internal static class HugePages
{
    private const int MadvHugePage = 14;
    private const long HugePageBytes = 2 << 20;

    /// <summary>Arrays smaller than this are left alone: a few huge pages gain nothing.</summary>
    internal const long MinimumBytes = 16 << 20;

    /// <summary>
    /// A new array of <paramref name="length"/> elements, not cleared, whose memory is advised huge pages when it is
    /// large and the system supports it.
    /// </summary>
    public static T[] Allocate<T>(int length) where T : unmanaged
    {
        long bytes = (long)length * Marshal.SizeOf<T>();
        if (bytes < MinimumBytes || !OperatingSystem.IsLinux()) return GC.AllocateUninitializedArray<T>(length);
        var array = GC.AllocateUninitializedArray<T>(length, pinned: true);
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            long start = handle.AddrOfPinnedObject();
            long first = (start + HugePageBytes - 1) & ~(HugePageBytes - 1);
            long end = (start + bytes) & ~(HugePageBytes - 1);
            if (end > first) _ = Advise((nint)first, (nuint)(end - first), MadvHugePage); // advice: a refusal changes nothing
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { } // not glibc/musl: plain pages
        finally { handle.Free(); }
        return array;
    }

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Advise(nint address, nuint length, int advice);
}
