package listimport

import (
	"encoding/binary"

	"github.com/bits-and-blooms/bloom/v3"
)

// seenSet remembers the numbers or external keys an import met, for its
// later batches. A hit means "look it up in PostgreSQL", never "a
// duplicate", so a false positive (about 1 in 100 per filter) costs a
// look-up and nothing else; so does a number of a row that was not stored
// after all. Bloom filters hold a million rows' numbers in a few MiB, where
// a map of them took tens; when the last filter is full, a new one eight
// times its size takes the additions.
type seenSet struct {
	filters []*bloom.BloomFilter
	n, cap  uint // entries in, and capacity of, the last filter
}

const (
	seenFalsePositive = 0.01
	seenFirstCapacity = 1 << 20
	seenGrowth        = 8
)

// testOrAdd reports whether key may have been met before, and adds it if
// not: testing and adding in one pass probes each bit once.
func (s *seenSet) testOrAdd(key []byte) bool {
	if len(s.filters) == 0 || s.n >= s.cap {
		s.cap = max(seenFirstCapacity, seenGrowth*s.cap)
		s.filters = append(s.filters, bloom.NewWithEstimates(s.cap, seenFalsePositive))
		s.n = 0
	}
	last := len(s.filters) - 1
	for _, f := range s.filters[:last] {
		if f.Test(key) {
			return true
		}
	}
	if s.filters[last].TestOrAdd(key) {
		return true
	}
	s.n++
	return false
}

// testOrAddNumber takes a number as its E.164 digits.
func (s *seenSet) testOrAddNumber(digits int64) bool {
	var key [8]byte
	binary.LittleEndian.PutUint64(key[:], uint64(digits))
	return s.testOrAdd(key[:])
}
