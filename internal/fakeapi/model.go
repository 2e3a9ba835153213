package fakeapi

import (
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// Droplet statuses as the API spells them.
const (
	StatusNew     = "new"
	StatusActive  = "active"
	StatusOff     = "off"
	StatusArchive = "archive"
)

// Action statuses as the API spells them.
const (
	ActionInProgress = "in-progress"
	ActionCompleted  = "completed"
	ActionErrored    = "errored"
)

// Droplet is the fake's view of one droplet. Slices are copied on the way in
// and out, so a caller can never alias the server's state.
type Droplet struct {
	ID     int64
	Name   string
	Status string // StatusNew, StatusActive, StatusOff or StatusArchive
	// ActiveAt, for a droplet added with StatusNew, is when DigitalOcean finishes
	// creating it: from then on its status is active. Zero keeps it new.
	ActiveAt time.Time
	SizeSlug string
	// Region is a region slug. Slugs outside Regions() are accepted, but then
	// the region object is synthesized and resize cannot check sizes.
	Region   string
	Features []string
	// Disk is the disk size in GB; AddDroplet defaults it to what SizeSlug
	// comes with. A resize with disk=true grows it to the new size's disk.
	Disk      int
	BackupIDs []int64
	// SnapshotIDs are the droplet's snapshots; each has a Snapshot record,
	// which AddDroplet makes up for IDs given without one.
	SnapshotIDs []int64
	// Image is a slug, or a decimal image ID after a restore or a numeric rebuild.
	Image string
	// KernelID is 0 when the kernel is managed internally (JSON "kernel": null).
	KernelID       int64
	Tags           []string
	BackupPolicy   *BackupPolicy
	BackupsEnabled bool
	// PublicIPv4 is the droplet's public address in networks.v4. AddDroplet
	// defaults it to DefaultPublicIPv4, 127.0.0.1, the host the health
	// listener is on, so that a client building a health-check URL from the
	// droplet's public address reaches the fake's health endpoint.
	PublicIPv4 string
	// PrivateIPv4 is the droplet's VPC address in networks.v4. AddDroplet
	// gives each droplet without one a different address in 10.16.0.0/12
	// (10.16.0.2, 10.16.0.3, ...). Nothing listens there: in tests it is
	// unreachable, as a VPC address is from outside the VPC.
	PrivateIPv4 string
	// PublicIPv6 is shown in networks.v6 only while Features holds "ipv6".
	// AddDroplet (for a droplet with ipv6) and a completed enable_ipv6 fill it
	// in when empty, with an address under 2001:db8:0:10::/64 (a documentation
	// prefix: unreachable) whose last 64 bits are the droplet ID.
	PublicIPv6 string
}

// BackupPolicy mirrors the API's backup_policy object (without its read-only fields).
type BackupPolicy struct {
	Plan    string // "daily" or "weekly"
	Weekday string // "SUN".."SAT"; empty for daily plans
	Hour    int    // 0, 4, 8, 12, 16 or 20
}

// Region is a row of the built-in region table.
type Region struct {
	Name      string   `json:"name"`
	Slug      string   `json:"slug"`
	Available bool     `json:"available"`
	Features  []string `json:"features"`
	Sizes     []string `json:"sizes"`
}

// Action is the fake's record of one droplet action.
type Action struct {
	ID           int64
	Status       string // ActionInProgress, ActionCompleted or ActionErrored
	Type         client.ActionType
	StartedAt    time.Time
	CompletedAt  *time.Time // nil while in progress
	ResourceID   int64
	ResourceType string
	RegionSlug   string
	Region       Region
	// Body is the request body that initiated the action (nil for seeded
	// history), so tests can see exactly which parameters a client sent.
	Body json.RawMessage
}

// Snapshot is the fake's record of one droplet snapshot, as
// GET /v2/droplets/{id}/snapshots shows it.
type Snapshot struct {
	ID int64
	// Name is the requested name, or the API's own "<droplet name>-<unix
	// millis>" when none was given.
	Name string
	// CreatedAt is whole seconds, UTC.
	CreatedAt     time.Time
	Regions       []string
	MinDiskSize   int // GB, the droplet's disk when the snapshot was taken
	SizeGigabytes float64
}

func cloneSnapshot(sn Snapshot) Snapshot {
	sn.Regions = slices.Clone(sn.Regions)
	return sn
}

// snapshotName is the name the API gives a snapshot taken without one: the
// droplet's name and the unix milliseconds of when it was asked for.
func snapshotName(droplet string, at time.Time) string {
	return droplet + "-" + strconv.FormatInt(at.UnixMilli(), 10)
}

// snapshotGigabytes is the billable size the fake reports for a snapshot of a
// disk of diskGB: the ratio of the API's own example (2.34 for 25), rounded
// down to the hundredth.
func snapshotGigabytes(diskGB int) float64 {
	return float64(diskGB*936/100) / 100
}

type snapshotJSON struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	CreatedAt     string   `json:"created_at"`
	Regions       []string `json:"regions"`
	MinDiskSize   int      `json:"min_disk_size"`
	SizeGigabytes float64  `json:"size_gigabytes"`
	Type          string   `json:"type"`
}

func (sn Snapshot) toJSON() snapshotJSON {
	return snapshotJSON{
		ID:            sn.ID,
		Name:          sn.Name,
		CreatedAt:     sn.CreatedAt.UTC().Format(timeLayout),
		Regions:       orEmpty(sn.Regions),
		MinDiskSize:   sn.MinDiskSize,
		SizeGigabytes: sn.SizeGigabytes,
		Type:          "snapshot",
	}
}

// sizeDisks is the disk, in GB, that each size in Regions() comes with. For
// GPU sizes it is the boot disk, which is what the API's size object reports
// as disk (the scratch disk is not counted).
var sizeDisks = map[string]int{
	"s-1vcpu-512mb-10gb": 10, "s-1vcpu-1gb": 25, "s-1vcpu-2gb": 50, "s-2vcpu-2gb": 60,
	"s-2vcpu-4gb": 80, "s-4vcpu-8gb": 160, "s-8vcpu-16gb": 320, "s-8vcpu-32gb": 640,
	"c-2": 25, "c-4": 50, "g-2vcpu-8gb": 25, "m-2vcpu-16gb": 50,
	"gpu-h100x1-80gb": 720, "gpu-h100x8-640gb": 2046, "gpu-h200x1-141gb": 720,
	"gpu-l40sx1-48gb": 500, "gpu-mi300x1-192gb": 720,
}

// sizeGPUs is the number of GPUs of each GPU size in sizeDisks; every other
// size has none.
var sizeGPUs = map[string]int{
	"gpu-h100x1-80gb": 1, "gpu-h100x8-640gb": 8, "gpu-h200x1-141gb": 1,
	"gpu-l40sx1-48gb": 1, "gpu-mi300x1-192gb": 1,
}

// gpuSizes are the GPU size slugs the fake knows, as the GPU regions offer them.
var gpuSizes = []string{
	"gpu-h100x1-80gb", "gpu-h100x8-640gb", "gpu-h200x1-141gb", "gpu-l40sx1-48gb", "gpu-mi300x1-192gb",
}

// isGPUSize reports whether slug is one of the GPU sizes the fake knows. A
// droplet of such a size is a GPU droplet, which GET /v2/droplets leaves out
// unless asked for with type=gpus.
func isGPUSize(slug string) bool { return sizeGPUs[slug] > 0 }

// diskFor is the disk of a size slug, 25 GB for a slug the fake does not know.
func diskFor(size string) int {
	if gb, ok := sizeDisks[size]; ok {
		return gb
	}
	return 25
}

func clone(d Droplet) Droplet {
	d.Features = slices.Clone(d.Features)
	d.BackupIDs = slices.Clone(d.BackupIDs)
	d.SnapshotIDs = slices.Clone(d.SnapshotIDs)
	d.Tags = slices.Clone(d.Tags)
	if d.BackupPolicy != nil {
		p := *d.BackupPolicy
		d.BackupPolicy = &p
	}
	return d
}

func cloneAction(a Action) Action {
	if a.CompletedAt != nil {
		t := *a.CompletedAt
		a.CompletedAt = &t
	}
	a.Region = cloneRegion(a.Region)
	a.Body = slices.Clone(a.Body)
	return a
}

func cloneRegion(r Region) Region {
	r.Features = slices.Clone(r.Features)
	r.Sizes = slices.Clone(r.Sizes)
	return r
}

// Regions returns the built-in region table. It is a function rather than a
// variable so that no test can mutate state another parallel test relies on.
func Regions() []Region {
	sizes := []string{
		"s-1vcpu-512mb-10gb", "s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-2gb", "s-2vcpu-4gb",
		"s-4vcpu-8gb", "s-8vcpu-16gb", "c-2", "c-4", "g-2vcpu-8gb", "m-2vcpu-16gb",
	}
	features := []string{"backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"}
	mk := func(name, slug string, extraSizes ...string) Region {
		return Region{Name: name, Slug: slug, Available: true,
			Features: slices.Clone(features), Sizes: append(slices.Clone(sizes), extraSizes...)}
	}
	// nyc3's gpu-h100x1-80gb predates the GPU regions and is kept as it was,
	// although DigitalOcean has no GPU droplets in NYC3. It offers them in
	// NYC2, TOR1 and ATL1 (among others), which GPU plans each offers
	// varies, and the fake offers all its GPU sizes in those three.
	return []Region{
		mk("New York 3", "nyc3", "s-8vcpu-32gb", "gpu-h100x1-80gb"),
		mk("San Francisco 3", "sfo3", "s-8vcpu-32gb"),
		mk("Amsterdam 3", "ams3"),
		mk("Frankfurt 1", "fra1"),
		mk("New York 2", "nyc2", gpuSizes...),
		mk("Toronto 1", "tor1", gpuSizes...),
		mk("Atlanta 1", "atl1", gpuSizes...),
	}
}

func lookupRegion(slug string) (Region, bool) {
	for _, r := range Regions() {
		if r.Slug == slug {
			return r, true
		}
	}
	// Unknown slugs still get a plausible object so responses keep their shape.
	return Region{Name: slug, Slug: slug, Available: true, Features: []string{}, Sizes: []string{}}, false
}

const timeLayout = time.RFC3339

type actionJSON struct {
	ID           int64   `json:"id"`
	Status       string  `json:"status"`
	Type         string  `json:"type"`
	StartedAt    string  `json:"started_at"`
	CompletedAt  *string `json:"completed_at"`
	ResourceID   int64   `json:"resource_id"`
	ResourceType string  `json:"resource_type"`
	Region       Region  `json:"region"`
	RegionSlug   string  `json:"region_slug"`
}

func (a Action) toJSON() actionJSON {
	j := actionJSON{
		ID:           a.ID,
		Status:       a.Status,
		Type:         string(a.Type),
		StartedAt:    a.StartedAt.UTC().Format(timeLayout),
		ResourceID:   a.ResourceID,
		ResourceType: a.ResourceType,
		Region:       nonNilRegion(a.Region),
		RegionSlug:   a.RegionSlug,
	}
	if a.CompletedAt != nil {
		s := a.CompletedAt.UTC().Format(timeLayout)
		j.CompletedAt = &s
	}
	return j
}

func nonNilRegion(r Region) Region {
	r = cloneRegion(r)
	if r.Features == nil {
		r.Features = []string{}
	}
	if r.Sizes == nil {
		r.Sizes = []string{}
	}
	return r
}

type kernelJSON struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

type imageJSON struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Slug         *string `json:"slug"`
	Distribution string  `json:"distribution"`
	Public       bool    `json:"public"`
	Type         string  `json:"type"`
}

type windowJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type dropletJSON struct {
	ID               int64        `json:"id"`
	Name             string       `json:"name"`
	Status           string       `json:"status"`
	Locked           bool         `json:"locked"`
	SizeSlug         string       `json:"size_slug"`
	Disk             int          `json:"disk"`
	Features         []string     `json:"features"`
	BackupIDs        []int64      `json:"backup_ids"`
	SnapshotIDs      []int64      `json:"snapshot_ids"`
	Kernel           *kernelJSON  `json:"kernel"`
	Tags             []string     `json:"tags"`
	Region           Region       `json:"region"`
	Image            imageJSON    `json:"image"`
	NextBackupWindow *windowJSON  `json:"next_backup_window"`
	Networks         networksJSON `json:"networks"`
}

// networksJSON is the droplet's networks object. v4 lists the private
// address first, as the API's documented example does, so that a client
// taking v4[0] for the public address is caught; clients must pick by type.
type networksJSON struct {
	V4 []networkV4JSON `json:"v4"`
	V6 []networkV6JSON `json:"v6"`
}

type networkV4JSON struct {
	IPAddress string `json:"ip_address"`
	Netmask   string `json:"netmask"`
	Gateway   string `json:"gateway"`
	Type      string `json:"type"`
}

// networkV6JSON differs from v4 in its netmask, a prefix length as a JSON
// integer, as the API's schema has it.
type networkV6JSON struct {
	IPAddress string `json:"ip_address"`
	Netmask   int    `json:"netmask"`
	Gateway   string `json:"gateway"`
	Type      string `json:"type"`
}

const (
	// privateNetmask covers 10.16.0.0/12, where private addresses are handed out.
	privateNetmask = "255.240.0.0"
	// privateGateway is what the API shows as a private interface's
	// gateway. Its schema says that "a gateway is not provided. This is
	// denoted by returning nil as its value", and its example shows the
	// string "nil"; the fake takes that less convenient reading (a string
	// that is not an address) over JSON null.
	privateGateway = "nil"
	publicNetmask  = "255.255.255.0"
	ipv6Prefix     = "2001:db8:0:10::"
	ipv6PrefixLen  = 64
)

// networks builds the networks object from the droplet's addresses. Public
// IPv4's gateway is the .1 of its /24; an address that does not parse gets
// an empty gateway rather than a panic, as tests may set anything.
func (d Droplet) networks() networksJSON {
	n := networksJSON{V4: []networkV4JSON{}, V6: []networkV6JSON{}}
	if d.PrivateIPv4 != "" {
		n.V4 = append(n.V4, networkV4JSON{IPAddress: d.PrivateIPv4, Netmask: privateNetmask, Gateway: privateGateway, Type: "private"})
	}
	if d.PublicIPv4 != "" {
		n.V4 = append(n.V4, networkV4JSON{IPAddress: d.PublicIPv4, Netmask: publicNetmask, Gateway: gateway24(d.PublicIPv4), Type: "public"})
	}
	if d.PublicIPv6 != "" && slices.Contains(d.Features, "ipv6") {
		n.V6 = append(n.V6, networkV6JSON{IPAddress: d.PublicIPv6, Netmask: ipv6PrefixLen, Gateway: ipv6Prefix + "1", Type: "public"})
	}
	return n
}

func gateway24(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		return ""
	}
	b := a.As4()
	b[3] = 1
	return netip.AddrFrom4(b).String()
}

// defaultIPv6 is the public IPv6 address a droplet gets when IPv6 is enabled:
// the documentation prefix 2001:db8:0:10::/64 with the droplet ID as the
// interface identifier.
func defaultIPv6(id int64) string {
	b := netip.MustParseAddr(ipv6Prefix).As16()
	binary.BigEndian.PutUint64(b[8:], uint64(id))
	return netip.AddrFrom16(b).String()
}

// privateIPv4 is the n-th private address handed out (from 0): 10.16.0.2
// upwards in 10.16.0.0/12, skipping each /24's .0, .1 (a gateway's, by
// habit) and .255.
func privateIPv4(n uint32) string {
	const perBlock = 253 // .2 to .254
	block, host := n/perBlock, n%perBlock+2
	v := (10<<24 + 16<<16) + block<<8 + host
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b).String()
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clone(s)
}

func (d Droplet) toJSON(locked bool, now time.Time) dropletJSON {
	region, _ := lookupRegion(d.Region)
	j := dropletJSON{
		ID:          d.ID,
		Name:        d.Name,
		Status:      d.Status,
		Locked:      locked,
		SizeSlug:    d.SizeSlug,
		Disk:        d.Disk,
		Features:    orEmpty(d.Features),
		BackupIDs:   orEmpty(d.BackupIDs),
		SnapshotIDs: orEmpty(d.SnapshotIDs),
		Tags:        orEmpty(d.Tags),
		Region:      nonNilRegion(region),
		Image:       imageFor(d.Image),
		Networks:    d.networks(),
	}
	if d.KernelID != 0 {
		j.Kernel = &kernelJSON{ID: d.KernelID, Name: "fake kernel " + strconv.FormatInt(d.KernelID, 10), Version: "fake"}
	}
	if d.BackupsEnabled && d.BackupPolicy != nil {
		start := nextWindow(*d.BackupPolicy, now)
		j.NextBackupWindow = &windowJSON{
			Start: start.Format(timeLayout),
			End:   start.Add(backupWindowHours * time.Hour).Format(timeLayout),
		}
	}
	return j
}

const (
	backupWindowHours = 4
	dailyRetention    = 7
	weeklyRetention   = 28
)

// imageFor turns the stored image reference into an image object. Slugs get a
// stable made-up ID because typed clients expect every image to have one.
func imageFor(ref string) imageJSON {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return imageJSON{ID: id, Name: "image " + ref, Distribution: "Unknown", Type: "backup"}
	}
	h := fnv.New32a()
	h.Write([]byte(ref))
	slug := ref
	return imageJSON{ID: 10_000_000 + int64(h.Sum32()%10_000_000), Name: ref, Slug: &slug,
		Distribution: "Unknown", Public: true, Type: "base"}
}

var weekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

// nextWindow is the start of the first backup window after now, in UTC.
func nextWindow(p BackupPolicy, now time.Time) time.Time {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), p.Hour, 0, 0, 0, time.UTC)
	for i := 0; i < 8; i++ {
		t := day.AddDate(0, 0, i)
		if !t.After(now) {
			continue
		}
		if p.Plan == "weekly" && weekdays[t.Weekday()] != p.Weekday {
			continue
		}
		return t
	}
	return day.AddDate(0, 0, 1)
}

type policyJSON struct {
	Plan                string `json:"plan"`
	Weekday             string `json:"weekday,omitempty"`
	Hour                int    `json:"hour"`
	WindowLengthHours   int    `json:"window_length_hours"`
	RetentionPeriodDays int    `json:"retention_period_days"`
}

type dropletPolicyJSON struct {
	DropletID        int64       `json:"droplet_id"`
	BackupEnabled    bool        `json:"backup_enabled"`
	BackupPolicy     *policyJSON `json:"backup_policy,omitempty"`
	NextBackupWindow *windowJSON `json:"next_backup_window"`
}

func (d Droplet) policyJSON(now time.Time) dropletPolicyJSON {
	j := dropletPolicyJSON{DropletID: d.ID, BackupEnabled: d.BackupsEnabled}
	if d.BackupsEnabled && d.BackupPolicy != nil {
		p := d.BackupPolicy
		retention := dailyRetention
		if p.Plan == "weekly" {
			retention = weeklyRetention
		}
		j.BackupPolicy = &policyJSON{Plan: p.Plan, Weekday: p.Weekday, Hour: p.Hour,
			WindowLengthHours: backupWindowHours, RetentionPeriodDays: retention}
		j.NextBackupWindow = d.toJSON(false, now).NextBackupWindow
	}
	return j
}
