package dialer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrRefusedTarget is an entry point URL, or the address its name resolves
// to, that a webhook may not reach: it would point Outdial at itself, its
// own services or its host's metadata. It wraps ErrInvalidRequest, so a
// call request to such an address fails at once and is not retried.
var ErrRefusedTarget = fmt.Errorf("%w: refused address", ErrInvalidRequest)

// awsMetadataV6 is the cloud metadata service's IPv6 address on EC2; the
// IPv4 one, 169.254.169.254, is link-local like every other cloud's.
var awsMetadataV6 = netip.MustParseAddr("fd00:ec2::254")

// thisNetwork is 0.0.0.0/8, which Linux connects to as the host itself.
var thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

// Targets decides which addresses a webhook dialer may connect to.
// Loopback, link-local (cloud metadata lives there), unspecified and
// multicast addresses, and the addresses of Outdial's own services, are
// refused unless Allow names them. Private-use networks (10/8, 172.16/12,
// 192.168/16, fc00::/7) are allowed: a contact center's dialer usually
// lives on one.
//
// The zero Targets (and a nil one) refuses the classes above and allows
// every other address.
type Targets struct {
	// Allow are the addresses that may be reached although refused
	// otherwise; tests name 127.0.0.1 for their httptest dialers.
	Allow []netip.Prefix
	// Own are Outdial's own services' addresses, refused on every port.
	Own []netip.Addr
	// OwnHosts are the same services' host names as configured, refused
	// by name when an entry point is saved.
	OwnHosts []string
}

// ParseAllow reads an allow-list: IP addresses or CIDR prefixes, separated
// by commas or spaces ("127.0.0.1, 10.1.0.0/16").
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("webhook allow-list: %q is not an IP address or CIDR prefix", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("webhook allow-list: %q is not an IP address or CIDR prefix", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Refuses says why a webhook may not connect to a, or "" when it may.
func (t *Targets) Refuses(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if t != nil {
		for _, p := range t.Allow {
			if p.Contains(a) {
				return ""
			}
		}
	}
	switch {
	case a.IsLoopback():
		return "is a loopback address"
	case a.IsUnspecified() || thisNetwork.Contains(a):
		return "is an unspecified address (this host)"
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast():
		return "is a link-local address (where cloud metadata services answer)"
	case a == awsMetadataV6:
		return "is a cloud metadata address"
	case a.IsMulticast():
		return "is a multicast address"
	}
	if t != nil {
		for _, own := range t.Own {
			if own.Unmap() == a {
				return "is the address of one of Outdial's own services (its API, PostgreSQL or Temporal)"
			}
		}
	}
	return ""
}

// CheckURL says why an entry point URL is refused before any name in it is
// resolved: an IP address is judged as Refuses does, "localhost" (and
// names under it) as loopback, and the host names of Outdial's own
// services by name. Other names are judged on the addresses they resolve
// to, when the webhook connects. "" means not refused here.
func (t *Targets) CheckURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return ""
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if why := t.Refuses(a); why != "" {
			return fmt.Sprintf("host %s %s", host, why)
		}
		return ""
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		if why := t.Refuses(netip.IPv6Loopback()); why != "" && t.Refuses(netip.MustParseAddr("127.0.0.1")) != "" {
			return fmt.Sprintf("host %s %s", host, why)
		}
		return ""
	}
	if t != nil {
		for _, own := range t.OwnHosts {
			if strings.EqualFold(strings.TrimSuffix(own, "."), host) {
				return fmt.Sprintf("host %s is one of Outdial's own services (its API, PostgreSQL or Temporal)", host)
			}
		}
	}
	return ""
}

// control is a net.Dialer's Control: it runs on the address actually
// connected to, after the name was resolved, so a name that resolves to a
// refused address (or is rebound to one) is caught too.
func (t *Targets) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read the address %q", ErrRefusedTarget, address)
	}
	if why := t.Refuses(ap.Addr()); why != "" {
		return fmt.Errorf("%w: %s %s; an operator may allow it (--webhook-allow)", ErrRefusedTarget, ap.Addr(), why)
	}
	return nil
}

// OwnAddresses resolves the hosts of Outdial's own services to their
// addresses. An empty or unspecified host (a listen address such as
// ":8080") stands for every address of this machine; a Unix socket path
// is skipped, and so is a name that does not resolve: it reaches nothing.
func OwnAddresses(ctx context.Context, hosts ...string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, h := range hosts {
		if strings.HasPrefix(h, "/") {
			continue
		}
		if a, err := netip.ParseAddr(h); err == nil && !a.IsUnspecified() {
			out = append(out, a.Unmap())
			continue
		} else if err == nil || h == "" {
			mine, err := machineAddresses()
			if err != nil {
				return nil, err
			}
			out = append(out, mine...)
			continue
		}
		addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", h)
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", h, err)
		}
		for _, a := range addrs {
			out = append(out, a.Unmap())
		}
	}
	return out, nil
}

// machineAddresses are the addresses of this machine's interfaces.
func machineAddresses() ([]netip.Addr, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("this machine's addresses: %w", err)
	}
	var out []netip.Addr
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if a, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, a.Unmap())
			}
		}
	}
	return out, nil
}
