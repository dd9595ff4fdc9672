package contact

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/strategy"
)

func TestWrapupKind(t *testing.T) {
	cases := []struct {
		rule strategy.BusinessRule
		want string
	}{
		{strategy.BusinessRule{Name: "Sale", Success: true, CloseContact: true}, dialer.WrapupSuccess},
		{strategy.BusinessRule{Name: "Follow-Up", Success: true, MaxRetry: 2}, dialer.WrapupCallback},
		{strategy.BusinessRule{Name: "Callback Requested", MaxRetry: 3}, dialer.WrapupCallback},
		{strategy.BusinessRule{Name: "Not Interested", CloseContact: true}, dialer.WrapupFailure},
		// Closing wins over a max retry: the contact is not called again.
		{strategy.BusinessRule{Name: "Do Not Call", CloseContact: true, MaxRetry: 3}, dialer.WrapupFailure},
		{strategy.BusinessRule{Name: "No Retry Left", MaxRetry: 0}, dialer.WrapupFailure},
	}
	for _, c := range cases {
		require.Equal(t, c.want, wrapupKind(c.rule), c.rule.Name)
	}
}
