package geo

import (
	"encoding/binary"
	"math/bits"
)

// The index finds an event by its ID through an open-addressing hash table
// of slots (store.table).

// tableSize returns the power-of-two hash table size for n keys at a load
// factor of at most 1/2.
func tableSize(n int) int {
	if n < 8 {
		return 16
	}
	return 1 << bits.Len(uint(2*n-1))
}

func hashID(id [16]byte) uint64 {
	a := binary.LittleEndian.Uint64(id[:8])
	b := binary.LittleEndian.Uint64(id[8:])
	h := (a ^ bits.RotateLeft64(b, 29)) * 0x9E3779B97F4A7C15
	return h ^ h>>31
}

func (st *store) lookup(id [16]byte) (uint32, bool) {
	if len(st.table) == 0 {
		return 0, false
	}
	mask := uint64(len(st.table) - 1)
	for i := hashID(id) & mask; ; i = (i + 1) & mask {
		v := st.table[i]
		if v == 0 {
			return 0, false
		}
		if st.ids[v-1] == id {
			return v - 1, true
		}
	}
}

func (st *store) insertID(id [16]byte, slot uint32) {
	if 2*(st.live+1) > len(st.table) {
		st.rehash(tableSize(st.live + 1))
	}
	mask := uint64(len(st.table) - 1)
	i := hashID(id) & mask
	for st.table[i] != 0 {
		i = (i + 1) & mask
	}
	st.table[i] = slot + 1
}

func (st *store) rehash(size int) {
	old := st.table
	st.table = make([]uint32, size)
	mask := uint64(size - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := hashID(st.ids[v-1]) & mask
		for st.table[i] != 0 {
			i = (i + 1) & mask
		}
		st.table[i] = v
	}
}

// removeID deletes id from the table by backward-shift deletion, which keeps
// every probe sequence unbroken without tombstones.
func (st *store) removeID(id [16]byte) {
	mask := uint64(len(st.table) - 1)
	i := hashID(id) & mask
	for {
		v := st.table[i]
		if v == 0 {
			return
		}
		if st.ids[v-1] == id {
			break
		}
		i = (i + 1) & mask
	}
	for {
		st.table[i] = 0
		j := i
		for {
			j = (j + 1) & mask
			v := st.table[j]
			if v == 0 {
				return
			}
			home := hashID(st.ids[v-1]) & mask
			// Move v into the hole at i unless its home lies cyclically in (i, j].
			if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
				st.table[i] = v
				i = j
				break
			}
		}
	}
}
