package impact

import (
	"math/rand/v2"
	"testing"
)

func TestTranspose64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		var a, orig [64]uint64
		for i := range a {
			a[i] = rng.Uint64() & rng.Uint64()
		}
		orig = a
		transpose64(&a)
		for i := range 64 {
			for j := range 64 {
				if (a[i]>>j)&1 != (orig[j]>>i)&1 {
					t.Fatalf("bit (%d,%d) wrong", i, j)
				}
			}
		}
	}
}
