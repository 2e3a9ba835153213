// Package fakeapi is a stateful fake of the DigitalOcean droplet-actions API
// for tests and demos. New starts it on 127.0.0.1 with a random port; it
// refuses to listen anywhere but loopback because it accepts a fixed token.
//
// # Endpoints
//
//	POST /v2/droplets/{id}/actions             initiate (201 {"action": ...})
//	POST /v2/droplets/actions?tag_name=T       initiate by tag (201 {"actions": [...]})
//	GET  /v2/actions                           {"actions": [...]}, every action, oldest first, paginated
//	GET  /v2/actions/{id}                      any action
//	GET  /v2/droplets/{id}/actions/{action_id} 404 unless the action is that droplet's
//	GET  /v2/droplets/{id}/actions             newest first, paginated
//	GET  /v2/droplets/{id}/snapshots           {"snapshots": [...]}, oldest first, paginated
//	GET  /v2/droplets/{id}                     {"droplet": ...}
//	GET  /v2/droplets[?tag_name=T|?name=N][&type=gpus]
//	                                           {"droplets": [...]}, by ID, paginated; see Listing
//	GET  /v2/droplets/{id}/backups/policy      {"policy": ...}, to observe policy changes
//
// Unknown paths answer 404 not_found; a known path with the wrong method 405
// with an Allow header (POST /v2/actions, for one, is 405 with Allow: GET).
//
// Besides the API, New and Listen start a health endpoint on a listener of
// its own (see Health).
//
// # Order of checks
//
// A request meets, in this order: injected faults, authentication (401, not
// charged to any rate-limit window), rate limiting (429, not charged either,
// so that a client which waits as told gets through), 403 forbidden when a
// custom-scoped token (Options.Scopes) lacks a scope the request needs (any
// /v2/actions path, the list included, needs actions:read; reading a droplet,
// its actions or its snapshots needs droplet:read), 404 for an unknown
// droplet, 400 bad_request for a body that is not a JSON object, 422 for a
// body that breaks the type's contract, 422 "Droplet already has a pending
// event." when the droplet has an action in progress, and finally 422 for
// the preconditions below.
//
// # Body validation
//
// Bodies are checked strictly against rules written by hand from the API's
// documented contract, independently of the project's action-type table, so
// that a mistake in that table cannot hide itself. Every parameter the type
// does not take is refused (for example "size" on a reboot), required ones
// must be present, null is never accepted, strings must be non-empty, and
// integers must be positive integral JSON numbers (12.0 and 1e3 are refused).
// rebuild's image may be an integer or a slug string; restore's must be an
// integer. backup_policy needs plan ("daily" or "weekly"), needs weekday
// (SUN..SAT) with the weekly plan and refuses it with the daily plan (a
// contradiction is more likely a client bug than intent), and takes an
// optional hour in 0, 4, 8, 12, 16, 20 (default 0); its read-only fields
// window_length_hours and retention_period_days are refused.
// change_backup_policy is accepted although the spec's type enum omits it.
//
// # Preconditions
//
// Only rules the real API enforces, and that tests can satisfy by seeding the
// droplet suitably:
//
//   - resize needs the droplet off, and a size offered in the droplet's region
//     when the region is one of Regions(); it refuses, as DigitalOcean's GPU
//     droplet limits say, a droplet with several GPUs going to a size with
//     one ("You cannot resize from an 8 GPU Droplet to a single GPU
//     Droplet.", the documentation's wording: no API answer is published),
//     and, with the API's own answer "Size can not decrease size of Droplet's
//     disk image", any size the fake knows whose disk is smaller than the
//     droplet's, with or without disk: a disk never shrinks, so after a
//     CPU-only resize up the way back is open, after a disk resize it is not;
//   - change_backup_policy needs backups enabled;
//   - restore's image must be one of the droplet's BackupIDs;
//   - power_off and shutdown on a droplet that is already off answer
//     "Droplet is already powered off.", as DigitalOcean does (unless
//     Options.LenientPowerState, which nothing in the provider's tests uses).
//
// power_on on an active droplet is allowed and completes as a no-op, as are
// reboots of an off droplet (which end active), disabling backups that are
// off, and change_kernel on any droplet: the real API's restriction to
// externally managed kernels is not modelled.
//
// # Action lifecycle
//
// An action is in progress for its duration (Options.DefaultDuration, 50ms by
// default, or a per-type override, optionally jittered), then completed, or
// errored if SetActionOutcome asked for it. Progress is evaluated lazily on
// every request and every accessor against the clock (Options.Now or the
// wall clock), so there is no background goroutine; completed_at is the due
// time, not the time somebody looked. Due actions complete in due-time order.
// Effects, applied only on completion and never for errored actions:
//
//	power_off, shutdown        status off (shutdown not if IgnoreShutdown)
//	power_on, reboot, power_cycle status active
//	rename                     name
//	resize                     size_slug (the droplet stays off); with disk, disk grows to the size's
//	enable_ipv6                features += ipv6, and a public IPv6 address if it had none
//	enable_backups             features += backups, policy (given, else kept, else daily at 0)
//	disable_backups            features -= backups, policy removed
//	change_backup_policy       policy
//	snapshot                   a new image ID appended to snapshot_ids, and its snapshot record
//	rebuild, restore           image, and status active (the droplet boots the new disk)
//	change_kernel              kernel
//	password_reset             nothing observable
//
// Droplet JSON carries "locked": true while an action is in progress.
//
// # Sizes
//
// The fake knows the disk (in GB) of the standard sizes in Regions() and of
// the GPU sizes gpu-h100x1-80gb (720), gpu-h100x8-640gb (2046),
// gpu-h200x1-141gb (720), gpu-l40sx1-48gb (500) and gpu-mi300x1-192gb (720),
// their boot disks as the API's size object reports them (scratch disks are
// not counted); a slug it does not know counts as 25 GB and escapes the disk
// rule above. The GPU sizes are offered in nyc2, tor1 and atl1, three of
// DigitalOcean's GPU regions, all five in each (which plans a real region
// offers varies). nyc3 also offers gpu-h100x1-80gb, as it did before the
// GPU regions were added, although DigitalOcean has no GPUs there. A
// droplet of a GPU size is a GPU droplet, which the droplet list leaves out
// unless asked for (see Listing). Resizing between GPU and standard sizes is
// not refused: the documentation says nothing of it.
//
// # Addresses
//
// Every droplet's JSON carries networks as the API's droplet object does:
//
//	"networks": {"v4": [private, public], "v6": [public, once IPv6 is enabled]}
//
// with the private entry first, as in the API's documented example, so a
// client that takes v4[0] for the public address is caught: pick by type.
// Each entry has ip_address, netmask, gateway and type.
//
//	public v4   Droplet.PublicIPv4, default 127.0.0.1 (DefaultPublicIPv4), the
//	            health listener's host, so a health check built from it reaches
//	            the fake; netmask 255.255.255.0, gateway the .1 of its /24
//	private v4  Droplet.PrivateIPv4, default a different address per droplet in
//	            10.16.0.0/12 (10.16.0.2, 10.16.0.3, ...; never one another droplet
//	            has), kept when AddDroplet replaces the droplet; netmask
//	            255.240.0.0; gateway the string "nil". The API's schema says a
//	            private interface's gateway "is not provided. This is denoted by
//	            returning nil as its value", and its example shows the string
//	            "nil": the fake takes that less convenient reading over JSON null.
//	            Nothing listens there: in tests it is unreachable, as a VPC
//	            address is from outside its VPC
//	public v6   Droplet.PublicIPv6, shown only while features has ipv6; filled in
//	            by AddDroplet (with ipv6) or a completed enable_ipv6 when empty,
//	            as 2001:db8:0:10::/64 (a documentation prefix, unreachable) with
//	            the droplet ID as the last 64 bits; netmask the JSON integer 64
//	            (v6 netmasks are prefix lengths), gateway 2001:db8:0:10::1
//
// Tests may set any of the three to anything; nothing checks them.
//
// # Health
//
// A health endpoint stands in for an application on each droplet, for
// clients that health-check droplets over HTTP. It is a separate http.Server
// on its own 127.0.0.1 port (HealthURL, HealthPort), started with the fake
// and stopped by Close, and it is not the API: it needs no token, and
// injected faults, authentication, scopes and rate limits do not apply.
// Health requests are not API calls, so they do not count against either
// rate-limit window and appear neither in Requests nor in Stats; they have a
// log of their own, HealthRequests (droplet ID, method, path, Host, time by
// the fake's clock, whether an Authorization header came, every header, and
// the status), which ResetLog clears too. Logf sees them as lines beginning
// "fakeapi health:".
//
// The path is /health/{droplet_id}; so a template such as
// http://{ipv4_public}:PORT/health/{id} reaches it. Any other path is 404, a
// droplet the fake does not have (or no longer has) 404, a method other than
// GET or HEAD 405 with Allow: GET, HEAD. The endpoint answers for a droplet
// whatever address the request was sent to: it cannot tell a droplet's
// public address from another, so Host is recorded for tests to check.
//
// For a known droplet, evaluated against the fake's clock (Options.Now) after
// applying the actions that are due, the answer is 503 while any of these
// holds, in this order:
//
//   - the droplet is not active (off, archive, or new until its ActiveAt);
//   - it has an action in progress, of whatever type: the fake does not
//     guess which actions leave the application answering;
//   - SetHealth(id, HealthNever) was called;
//   - it is within Options.HealthBootTime (default 0: none) after the end
//     (completed_at) of the last action, completed or errored, after which
//     the droplet was active, or after a new droplet's ActiveAt. Again the
//     fake does not guess which actions restart the application: a rename
//     counts as a reboot does. A droplet stored by AddDroplet is not booting;
//   - it flaps (SetHealthFlap, or SetHealth with HealthFlap and
//     DefaultHealthFlapPeriod) and is in a down period. Flapping goes by the
//     fake's clock, not by request count: from the moment it is set, one
//     period down, one period up, and so on, so every request within one
//     period gets the same answer.
//
// Otherwise it is 302 Found with the Location given to SetHealthRedirect, if
// any, so that a client that must not follow redirects can be tested, or
// else 200 "ok". Bodies are short text/plain explanations.
//
// # Snapshots
//
// A completed snapshot action, single or by tag, leaves one snapshot per
// droplet it ran on (an errored one leaves none, and nothing shows while it
// is in progress). Its record, listed by GET /v2/droplets/{id}/snapshots as
// the API's documented example shows one, is:
//
//	id              a new image ID (the counter behind snapshot_ids), a JSON integer
//	name            the requested name, else the API's "<droplet name>-<unix millis>"
//	                of the action's started_at
//	created_at      the action's started_at, truncated to the second (RFC 3339, UTC)
//	regions         [the droplet's region slug]
//	min_disk_size   the droplet's disk (GB)
//	size_gigabytes  disk × 0.0936, rounded down to the hundredth (the example's 2.34 for 25)
//	type            "snapshot"
//
// created_at is taken from the start of the action because the API's own
// example stamps the unnamed snapshot's name 1.8 s before its created_at,
// which suggests both are set as the action is taken up rather than when it
// ends. It lies within the run at whole-second precision, so a client
// matching snapshots to actions must accept a created_at equal to
// started_at's second. The id is
// an integer as in that example, although the /v2/snapshots model declares
// it a string: clients should accept both. AddSnapshot arranges history
// directly, and AddDroplet makes up a record for every snapshot ID it is
// given, so snapshot_ids and the list always agree.
//
// # Initiating by tag
//
// Only the types the action-type table marks Bulk are accepted (others 422).
// Bodies follow the by-tag schema: snapshot takes an optional name, every
// other type takes no parameter at all, so enable_backups with a
// backup_policy is refused there. A missing tag_name is 422, a tag no droplet
// carries 404. The call is all or nothing: if any tagged droplet has an action
// in progress the whole call answers 422 "Droplet already has a pending
// event." and nothing is created (likewise for a failed precondition).
// Otherwise one action per tagged droplet is created, in droplet ID order.
//
// # Listing
//
// GET /v2/actions lists every action the fake holds, whichever droplet it
// concerns (there is no way to delete a droplet, and replacing one with
// AddDroplet keeps its actions). DigitalOcean documents no order for this
// list; the fake models the less favourable reading, oldest first by action
// ID, so that the most recent actions are on the last pages. Clients must not
// depend on any order: to find a recent action they must page through the
// whole list, or better read it by ID. A droplet's own list,
// GET /v2/droplets/{id}/actions, is newest first. A droplet's snapshots,
// GET /v2/droplets/{id}/snapshots, are again in no documented order, and the
// fake again takes the less favourable reading: oldest first (by created_at,
// then ID), the newest on the last page.
//
// GET /v2/droplets lists the account's droplets by ID, paged like the other
// lists. As DigitalOcean documents, it lists only non-GPU droplets unless
// type=gpus, which lists only GPU droplets (type=droplets is the default
// said aloud; any other type is 422). name filters by exact,
// case-insensitive name; tag_name by tag, and cannot be combined with name
// or type (422). Whether a tag_name list includes the tag's GPU droplets is
// not documented; the fake takes the literal, less favourable reading that
// the default applies and it does not, which leaves a tag's GPU droplets
// impossible to list (initiating by tag still acts on them).
//
// per_page defaults to 20; values above 200 are clamped to 200 rather than
// refused, as lenient clients may ask for more. page or per_page that are not
// positive integers answer 422. A page past the end is an empty list. Links
// are absolute, built from the request's Host (so they stay right when
// Handler is served elsewhere), always carry per_page, and appear only where
// they apply: first and prev from page 2 on, next and last before the last
// page. links is {} when everything fits on one page. Links keep the
// request's path, and of its other query parameters only tag_name, name and
// type on the droplet list.
//
// # Rate limits
//
// PerMinuteLimit and PerHourLimit are sliding windows per token (the real
// API's are 250 a minute and 5000 an hour); zero leaves a window unenforced.
// Every response carries x-request-id, ratelimit-limit, ratelimit-remaining
// and ratelimit-reset, and, as on the real API, these describe the hourly
// window only: the limit is PerHourLimit (5000, unenforced, when it is zero),
// remaining is what is left of it, and reset is when the oldest request
// counted in the hourly window leaves it (epoch seconds, rounded up; the
// current time when there is none).
//
// The per-minute limit appears in no header, so a client pacing itself by
// the headers alone can still trip it. Once it is exceeded the request gets
// 429 too_many_requests "API rate limit exceeded." with retry-after: whole
// seconds, at least 1, until the oldest request of the last minute leaves the
// minute window. The ratelimit-* headers of that 429 still describe the
// hourly window. A 429 for the hourly limit carries no retry-after. Requests
// refused with 429 (or 401) are not counted in either window.
//
// Options.HeadersShowNearestWindow restores the fake's former, unrealistic
// behaviour, in which the headers describe whichever window has fewer
// requests left; nothing uses it by default.
//
// # Faults
//
// InjectFault queues failures; see Fault and FaultKind. Each request is hit by
// at most one fault, the first unspent match in injection order. Note that
// Go's http.Transport silently retries an idempotent request (GET) whose
// reused keep-alive connection is reset before any response byte, so a test
// that wants a reset GET to surface should use a fresh connection.
//
// # Statistics
//
// Stats counts what was served: Served429 and Served5xx include injected
// responses; Resets counts connections dropped by FaultReset (a request
// abandoned during a FaultDelay is logged with status 0 but not counted). InitiateAttempts counts every
// POST to /v2/droplets/{id}/actions that arrived, AcceptedInitiates those that
// created an action (even if the response was then lost); bulk calls are
// counted in BulkInitiates only. MaxInFlightPerDroplet is measured from the
// set of in-progress actions each time one is created, bulk included.
package fakeapi
