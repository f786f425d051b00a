using System.Globalization;
using System.Runtime.InteropServices;
using Paperboy.Search.Vectors;

namespace Paperboy.Tests.Vectors;

public sealed class HugePagesTests
{
    [Fact]
    public void A_large_array_is_advised_huge_pages_where_linux_offers_them()
    {
        const int length = 64 << 20 >> 2; // 64 MiB of ints
        var array = HugePages.Allocate<int>(length);
        Assert.Equal(length, array.Length);
        array.AsSpan().Fill(7);
        Assert.Equal(7, array[length / 2]);

        var mode = "/sys/kernel/mm/transparent_hugepage/enabled";
        if (!OperatingSystem.IsLinux() || !File.Exists(mode) || File.ReadAllText(mode).Contains("[never]")) return;
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            // The mapping that holds the array's middle carries the kernel's "hg" (MADV_HUGEPAGE) flag.
            long middle = handle.AddrOfPinnedObject() + length / 2 * sizeof(int);
            Assert.Contains("hg", FlagsOfMapping(middle));
        }
        finally { handle.Free(); }
    }

    [Fact]
    public void A_small_array_is_an_ordinary_one()
    {
        var array = HugePages.Allocate<int>(1000);
        Assert.Equal(1000, array.Length);
        Assert.Equal(0, GC.GetGeneration(array)); // a pinned array would be on the pinned heap, reported as generation 2
    }

    private static string[] FlagsOfMapping(long address)
    {
        bool inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash > 0 && space > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, null, out long start)
                && long.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, null, out long end))
                inside = start <= address && address < end;
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        throw new InvalidOperationException($"No mapping holds 0x{address:x}.");
    }
}
