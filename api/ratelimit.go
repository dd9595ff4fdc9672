package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/outdial/outdial/models"
)

// DefaultKeyRate is the requests a second each key may make when the
// server is not told otherwise; a key may burst to twice that.
const DefaultKeyRate = 100

// keyLimits holds a token bucket per API key, so one runaway script or
// dialer cannot take the API from the others.
type keyLimits struct {
	mu     sync.Mutex
	perSec rate.Limit
	byKey  map[string]*rate.Limiter
}

func newKeyLimits(perSec float64) *keyLimits {
	return &keyLimits{perSec: rate.Limit(perSec), byKey: map[string]*rate.Limiter{}}
}

// allow reports whether key may make a request now, and if not, in how
// many seconds it may.
func (l *keyLimits) allow(key *models.APIKey) (bool, int) {
	if l.perSec <= 0 {
		return true, 0
	}
	l.mu.Lock()
	bucket := "key/" + strconv.FormatUint(key.ID, 10)
	if key.ID == 0 && key.EntryPointID != nil {
		// A signed report has no key: its entry point has the bucket.
		bucket = "entry-point/" + strconv.FormatUint(*key.EntryPointID, 10)
	}
	lim, ok := l.byKey[bucket]
	if !ok {
		lim = rate.NewLimiter(l.perSec, max(1, int(2*float64(l.perSec))))
		l.byKey[bucket] = lim
	}
	l.mu.Unlock()
	r := lim.Reserve()
	if delay := r.Delay(); delay > 0 {
		r.Cancel()
		return false, int(math.Ceil(delay.Seconds()))
	}
	return true, 0
}

func (l *keyLimits) refuse(c *gin.Context, after int) {
	c.Header("Retry-After", strconv.Itoa(after))
	fail(c, &Problem{Type: "/problems/rate-limited", Title: "Too many requests", Status: http.StatusTooManyRequests,
		Detail: "this API key may make " + strconv.FormatFloat(float64(l.perSec), 'f', -1, 64) + " requests a second; retry after " + strconv.Itoa(after) + " s"})
}
