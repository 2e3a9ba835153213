package fakeapi_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

type apiNetworks struct {
	V4 []struct {
		IPAddress string `json:"ip_address"`
		Netmask   string `json:"netmask"`
		Gateway   string `json:"gateway"`
		Type      string `json:"type"`
	} `json:"v4"`
	V6 []struct {
		IPAddress string `json:"ip_address"`
		Netmask   int    `json:"netmask"`
		Gateway   string `json:"gateway"`
		Type      string `json:"type"`
	} `json:"v6"`
}

func dropletNetworks(t *testing.T, s *fakeapi.Server, id int64) apiNetworks {
	t.Helper()
	var dj struct {
		Droplet struct{ Networks apiNetworks }
	}
	call(t, s, "GET", fmt.Sprintf("/v2/droplets/%d", id), "").want(t, 200).decode(t, &dj)
	return dj.Droplet.Networks
}

// addresses returns the droplet's public and private IPv4 and public IPv6, by type.
func (n apiNetworks) addresses() (public, private, v6 string) {
	for _, e := range n.V4 {
		switch e.Type {
		case "public":
			public = e.IPAddress
		case "private":
			private = e.IPAddress
		}
	}
	for _, e := range n.V6 {
		if e.Type == "public" {
			v6 = e.IPAddress
		}
	}
	return public, private, v6
}

// TestDropletNetworks: every droplet has a public IPv4 (127.0.0.1, where the
// health endpoint listens) and a private one of its own, private first as in
// the API's example; IPv6 shows once enabled.
func TestDropletNetworks(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := start(t, fakeapi.Options{Now: clock.Now, DefaultDuration: time.Second})
	d := s.AddDroplet(fakeapi.Droplet{})
	if d.PublicIPv4 != "127.0.0.1" || d.PrivateIPv4 != "10.16.0.2" || d.PublicIPv6 != "" {
		t.Fatalf("defaults: public %q private %q v6 %q", d.PublicIPv4, d.PrivateIPv4, d.PublicIPv6)
	}
	r := call(t, s, "GET", fmt.Sprintf("/v2/droplets/%d", d.ID), "").want(t, 200)
	var raw struct {
		Droplet struct {
			Networks json.RawMessage
		}
	}
	r.decode(t, &raw)
	const want = `{"v4":[{"ip_address":"10.16.0.2","netmask":"255.240.0.0","gateway":"nil","type":"private"},` +
		`{"ip_address":"127.0.0.1","netmask":"255.255.255.0","gateway":"127.0.0.1","type":"public"}],"v6":[]}`
	if string(raw.Droplet.Networks) != want {
		t.Errorf("networks\n got %s\nwant %s", raw.Droplet.Networks, want)
	}

	// Overrides, and replacing a droplet keeps its private address.
	o := s.AddDroplet(fakeapi.Droplet{PublicIPv4: "203.0.113.7", PrivateIPv4: "10.99.0.5"})
	n := dropletNetworks(t, s, o.ID)
	if pub, priv, _ := n.addresses(); pub != "203.0.113.7" || priv != "10.99.0.5" || n.V4[1].Gateway != "203.0.113.1" {
		t.Errorf("overridden networks %+v", n)
	}
	again := s.AddDroplet(fakeapi.Droplet{ID: d.ID, Name: "replaced"})
	if again.PrivateIPv4 != "10.16.0.2" {
		t.Errorf("replaced droplet's private address %q, want it kept", again.PrivateIPv4)
	}

	// An address a test gave a droplet is not handed out again.
	s.AddDroplet(fakeapi.Droplet{PrivateIPv4: "10.16.0.3"})
	if next := s.AddDroplet(fakeapi.Droplet{}); next.PrivateIPv4 != "10.16.0.4" {
		t.Errorf("next private address %q, want 10.16.0.4 (10.16.0.3 is taken)", next.PrivateIPv4)
	}

	// IPv6 appears with enable_ipv6, once it has completed.
	initiate(t, s, d.ID, `{"type":"enable_ipv6"}`)
	if _, _, v6 := dropletNetworks(t, s, d.ID).addresses(); v6 != "" {
		t.Errorf("v6 %q before enable_ipv6 completed", v6)
	}
	clock.Advance(time.Second)
	n = dropletNetworks(t, s, d.ID)
	if len(n.V6) != 1 || n.V6[0].IPAddress != "2001:db8:0:10::3e9" || n.V6[0].Netmask != 64 ||
		n.V6[0].Gateway != "2001:db8:0:10::1" || n.V6[0].Type != "public" {
		t.Errorf("v6 after enable_ipv6 %+v", n.V6)
	}
	// A droplet added with ipv6 has it at once; an explicit address is kept.
	v6 := s.AddDroplet(fakeapi.Droplet{Features: []string{"ipv6"}, PublicIPv6: "2001:db8::42"})
	if _, _, got := dropletNetworks(t, s, v6.ID).addresses(); got != "2001:db8::42" {
		t.Errorf("explicit v6 %q", got)
	}

	// The droplet list carries networks too.
	var list struct {
		Droplets []struct {
			ID       int64
			Networks apiNetworks
		}
	}
	call(t, s, "GET", "/v2/droplets?per_page=200", "").want(t, 200).decode(t, &list)
	for _, ld := range list.Droplets {
		if pub, priv, _ := ld.Networks.addresses(); pub == "" || priv == "" {
			t.Errorf("listed droplet %d lacks an address: %+v", ld.ID, ld.Networks)
		}
	}
}

// TestPrivateAddressesUnique: private addresses stay unique, valid and inside
// 10.16.0.0/12 past a /24, skipping .0, .1 and .255.
func TestPrivateAddressesUnique(t *testing.T) {
	t.Parallel()
	s := start(t, fakeapi.Options{})
	block := netip.MustParsePrefix("10.16.0.0/12")
	seen := map[string]bool{}
	for range 600 {
		d := s.AddDroplet(fakeapi.Droplet{})
		a, err := netip.ParseAddr(d.PrivateIPv4)
		if err != nil || !block.Contains(a) {
			t.Fatalf("private address %q: %v", d.PrivateIPv4, err)
		}
		if last := a.As4()[3]; last == 0 || last == 1 || last == 255 {
			t.Errorf("private address %s", a)
		}
		if seen[d.PrivateIPv4] {
			t.Fatalf("private address %s handed out twice", a)
		}
		seen[d.PrivateIPv4] = true
	}
	if !seen["10.16.1.2"] || !seen["10.16.0.254"] {
		t.Errorf("addresses do not run 10.16.0.254 then 10.16.1.2")
	}
}
