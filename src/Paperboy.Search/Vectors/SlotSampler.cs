namespace Paperboy.Search.Vectors;

/// <summary>
/// Draws distinct live slots uniformly at random from an index's slot array with tombstones, for both index kinds.
/// Callers hold their index's lock, so the slots and tombstones do not change underneath.
/// </summary>
internal static class SlotSampler
{
    /// <summary>Up to <paramref name="count"/> distinct slots below <paramref name="total"/> whose tombstone is 0,
    /// in draw order; every live slot, in order, when there are no more than <paramref name="count"/>.</summary>
    public static List<int> Draw(int total, ReadOnlySpan<byte> deleted, int live, int count, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(random);
        if (count == 0 || live <= 0) return [];
        if (count >= live) return LiveSlots(total, deleted, live);
        if (count * 2 <= live)
        {
            // Sparse draw: rejection sampling touches only ~count·total/live slots. With few tombstones (HNSW compacts
            // past a quarter) it ends quickly; the attempt cap only guards a pathological mostly-deleted array.
            var chosen = new HashSet<int>(count);
            var order = new List<int>(count);
            for (int attempts = 0; order.Count < count && attempts < 64 * count + 1024; attempts++)
            {
                int slot = random.Next(total);
                if (deleted[slot] == 0 && chosen.Add(slot)) order.Add(slot);
            }
            if (order.Count == count) return order;
        }
        // Dense draw: a partial Fisher–Yates shuffle of the live slots.
        var slots = LiveSlots(total, deleted, live);
        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, slots.Count);
            (slots[i], slots[j]) = (slots[j], slots[i]);
        }
        slots.RemoveRange(count, slots.Count - count);
        return slots;
    }

    private static List<int> LiveSlots(int total, ReadOnlySpan<byte> deleted, int live)
    {
        var slots = new List<int>(live);
        for (int i = 0; i < total; i++) if (deleted[i] == 0) slots.Add(i);
        return slots;
    }
}
