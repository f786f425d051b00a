using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Paperboy.Search.Vectors;

/// <summary>
/// An epoch-stamped visited set: an element is visited when its slot holds the current epoch, so clearing is a
/// single increment (the array is wiped only when the epoch wraps).
/// </summary>
internal sealed class VisitedList
{
    private int[] _marks;
    private int _epoch;

    public VisitedList(int capacity) { _marks = new int[Math.Max(capacity, 16)]; _epoch = 0; }

    public int Capacity => _marks.Length;

    public void Reset(int capacity)
    {
        if (_marks.Length < capacity)
        {
            _marks = new int[Math.Max(capacity, _marks.Length * 2)];
            _epoch = 0;
        }
        if (++_epoch == int.MaxValue)
        {
            Array.Clear(_marks);
            _epoch = 1;
        }
    }

    /// <summary>Marks <paramref name="id"/>; true when it had not been visited yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryVisit(int id)
    {
        ref int slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_marks), id);
        if (slot == _epoch) return false;
        slot = _epoch;
        return true;
    }
}

/// <summary>A pool of visited lists so concurrent searches never allocate one per query.</summary>
internal sealed class VisitedListPool
{
    private readonly ConcurrentBag<VisitedList> _free = new();

    public VisitedList Rent(int capacity)
    {
        if (!_free.TryTake(out var list)) list = new VisitedList(capacity);
        list.Reset(capacity);
        return list;
    }

    public void Return(VisitedList list) => _free.Add(list);
}
