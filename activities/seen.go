package activities

import (
	"encoding/binary"

	"github.com/bits-and-blooms/bloom/v3"
)

// seenSet remembers the numbers or external keys an import stored, for its
// later batches. A hit means "look it up in PostgreSQL", never "a
// duplicate", so a false positive (about 1 in 500 per filter) costs a
// look-up and nothing else. Bloom filters hold a million rows' numbers in
// a few MiB, where a map of them took tens; when the last filter is full,
// a new one four times its size takes the additions.
type seenSet struct {
	filters []*bloom.BloomFilter
	n, cap  uint // entries in, and capacity of, the last filter
}

const (
	seenFalsePositive = 0.002
	seenFirstCapacity = 1 << 18
)

func (s *seenSet) add(key []byte) {
	if len(s.filters) == 0 || s.n >= s.cap {
		s.cap = max(seenFirstCapacity, 4*s.cap)
		s.filters = append(s.filters, bloom.NewWithEstimates(s.cap, seenFalsePositive))
		s.n = 0
	}
	s.filters[len(s.filters)-1].Add(key)
	s.n++
}

func (s *seenSet) has(key []byte) bool {
	for _, f := range s.filters {
		if f.Test(key) {
			return true
		}
	}
	return false
}

// addNumber and hasNumber take a number as its E.164 digits.
func (s *seenSet) addNumber(digits int64) {
	var key [8]byte
	binary.LittleEndian.PutUint64(key[:], uint64(digits))
	s.add(key[:])
}

func (s *seenSet) hasNumber(digits int64) bool {
	var key [8]byte
	binary.LittleEndian.PutUint64(key[:], uint64(digits))
	return s.has(key[:])
}
