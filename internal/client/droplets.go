package client

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"
)

// Droplet is the part of a droplet that actions read or change, and its addresses.
type Droplet struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Status      string   `json:"status"`
	SizeSlug    string   `json:"size_slug"`
	Features    []string `json:"features"`
	BackupIDs   []int64  `json:"backup_ids"`
	SnapshotIDs []int64  `json:"snapshot_ids"`
	Tags        []string `json:"tags"`
	Kernel      *struct {
		ID int64 `json:"id"`
	} `json:"kernel"`
	Region   *Region  `json:"region"`
	Networks Networks `json:"networks"`
}

// Networks are a droplet's addresses, as the API's droplet object lists them. The order of
// the entries says nothing (DigitalOcean's own example lists the private IPv4 address
// first): pick an address by its Type, as PublicIPv4 and PrivateIPv4 do.
type Networks struct {
	V4 []NetworkV4 `json:"v4"`
	V6 []NetworkV6 `json:"v6"`
}

// NetworkV4 is one IPv4 address of a droplet.
type NetworkV4 struct {
	IPAddress string `json:"ip_address"`
	// Netmask is dotted, such as "255.255.240.0".
	Netmask string `json:"netmask"`
	// Gateway is the address's gateway. DigitalOcean provides none for a private address
	// and says so with "nil" (its schema's word for it), or leaves it empty.
	Gateway string `json:"gateway"`
	// Type is NetworkPublic or NetworkPrivate.
	Type string `json:"type"`
}

// NetworkV6 is one IPv6 address of a droplet.
type NetworkV6 struct {
	IPAddress string `json:"ip_address"`
	// Netmask is the prefix length, such as 64: a JSON number, where IPv4's is a string.
	Netmask int    `json:"netmask"`
	Gateway string `json:"gateway"`
	// Type is NetworkPublic (DigitalOcean gives droplets no private IPv6 address).
	Type string `json:"type"`
}

// Network types, as NetworkV4.Type and NetworkV6.Type spell them.
const (
	NetworkPublic  = "public"
	NetworkPrivate = "private"
)

// PublicIPv4 is the droplet's public IPv4 address, "" when it has none (or the droplet was
// read without its networks).
func (d *Droplet) PublicIPv4() string { return d.ipv4(NetworkPublic) }

// PrivateIPv4 is the droplet's private (VPC) IPv4 address, "" when it has none.
func (d *Droplet) PrivateIPv4() string { return d.ipv4(NetworkPrivate) }

// ipv4 is the first IPv4 address of the given type.
func (d *Droplet) ipv4(typ string) string {
	for _, n := range d.Networks.V4 {
		if n.Type == typ {
			return n.IPAddress
		}
	}
	return ""
}

// Droplet statuses.
const (
	DropletNew     = "new"
	DropletActive  = "active"
	DropletOff     = "off"
	DropletArchive = "archive"
)

// DigitalOcean's rules for a droplet's name and for a tag's name, as its API description
// (the droplet and tag schemas) gives them: the pattern and the longest name, in
// characters.
const (
	DropletNamePattern = `^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$`
	TagNamePattern     = `^[a-zA-Z0-9_\-\:]+$`
	MaxNameLength      = 255
)

var (
	dropletNameRE = regexp.MustCompile(DropletNamePattern)
	tagNameRE     = regexp.MustCompile(TagNamePattern)
)

// ValidDropletName checks a droplet's name against DigitalOcean's droplet schema: the
// pattern DropletNamePattern (letters, digits, '.' and '-', ending in a letter or digit)
// and at most MaxNameLength characters. The error cites the rule.
func ValidDropletName(name string) error {
	return validName(name, dropletNameRE, string(ParamName), "a droplet's name", "the droplet schema", `letters, digits, "." and "-" only, ending in a letter or digit`)
}

// ValidTagName checks a tag's name against DigitalOcean's tag schema: the pattern
// TagNamePattern (letters, digits, '_', '-' and ':') and at most MaxNameLength
// characters. A tag outside it cannot exist, so no droplet carries it. The error cites the
// rule.
func ValidTagName(tag string) error {
	return validName(tag, tagNameRE, "tag_name", "a tag's name", "the tag schema", `letters, digits, "_", "-" and ":" only, no spaces`)
}

func validName(s string, re *regexp.Regexp, param, what, schema, plain string) error {
	var got string
	switch n := utf8.RuneCountInString(s); {
	case n > MaxNameLength:
		got = fmt.Sprintf("this one is %d characters long", n)
	case !re.MatchString(s):
		got = fmt.Sprintf("got %q", s)
	default:
		return nil
	}
	return &ValidationError{Param: param, Message: fmt.Sprintf("%s must match %s and be at most %d characters long, as DigitalOcean's %s requires of %s (%s); %s",
		param, re.String(), MaxNameLength, schema, what, plain, got)}
}

// GetDroplet reads a droplet.
func (c *Client) GetDroplet(ctx context.Context, id int64) (*Droplet, *Response, error) {
	if id <= 0 {
		return nil, nil, &ValidationError{Param: "droplet_id", Message: "droplet_id must be a positive droplet ID"}
	}
	path := fmt.Sprintf("/v2/droplets/%d", id)
	var root struct {
		Droplet *Droplet `json:"droplet"`
	}
	resp, err := c.do(ctx, http.MethodGet, path, nil, nil, &root, false)
	if err != nil {
		return nil, resp, err
	}
	if root.Droplet == nil {
		return nil, resp, &malformedError{path: path, err: fmt.Errorf("response has no droplet")}
	}
	return root.Droplet, resp, nil
}

// maxDropletPages bounds each listing of droplets against an API (or a proxy dropping the
// query) that never stops offering a next page: 1,000 pages of 200 is far beyond any
// account.
const maxDropletPages = 1000

// DropletIDsByTag lists the IDs of the droplets carrying tag, in ascending order, as
// DropletsByTag finds them.
func (c *Client) DropletIDsByTag(ctx context.Context, tag string) ([]int64, error) {
	ds, err := c.DropletsByTag(ctx, tag)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids, nil
}

// DropletsByTag lists the droplets carrying tag, GPU droplets included, in ascending order
// of ID and each once, over all pages (GET /v2/droplets, which needs droplet:read). It is
// ListDroplets with a tag, which must be one (ValidTagName), and costs what it does: a
// request per page of the tag's droplets, and one more per page of 200 of the account's
// GPU droplets, tagged or not.
func (c *Client) DropletsByTag(ctx context.Context, tag string) ([]Droplet, error) {
	if err := ValidTagName(tag); err != nil {
		return nil, err
	}
	return c.ListDroplets(ctx, tag)
}

// ListDroplets lists every droplet of the account, or with a non-empty tag the droplets
// carrying it, GPU droplets included, in ascending order of ID and each once, over all
// pages of 200 (GET /v2/droplets, which needs droplet:read).
//
// It makes two listings. DigitalOcean lists only non-GPU droplets unless type=gpus is
// given, and type cannot be combined with tag_name; whether a tag_name listing includes the
// tag's GPU droplets is not documented, and the fake takes it that it does not. So besides
// every page of the plain listing (?tag_name=tag with a tag), ListDroplets reads every page
// of ?type=gpus, the account's GPU droplets whatever their tags, and keeps those carrying
// tag. That costs one request more for an account of at most 200 GPU droplets, and one
// more per further 200, whether or not any of them carries the tag.
func (c *Client) ListDroplets(ctx context.Context, tag string) ([]Droplet, error) {
	var ds []Droplet
	for d, err := range c.Droplets(ctx, tag) {
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b Droplet) int { return cmp.Compare(a.ID, b.ID) })
	return ds, nil
}

// WaitWhileNew reads the droplet until DigitalOcean has finished creating it (its status
// is no longer "new"), on the same ramp as an action wait, and returns it as last read.
func (c *Client) WaitWhileNew(ctx context.Context, id int64) (*Droplet, error) {
	var d *Droplet
	err := c.pollUntil(ctx, time.Time{}, fmt.Sprintf("droplet %d to finish being created", id), func(ctx context.Context) (bool, error) {
		var err error
		d, _, err = c.GetDroplet(ctx, id)
		return err == nil && d.Status != DropletNew, err
	})
	return d, err
}
