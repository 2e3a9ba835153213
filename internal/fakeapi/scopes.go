package fakeapi

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// missingScope returns a scope the request needs and a custom-scoped token lacks, or "".
// Reading /v2/actions needs actions:read; reading a droplet, its actions or its snapshots
// droplet:read (as DigitalOcean's spec says for GET /v2/droplets/{id}/snapshots); and
// initiating droplet:update plus whatever the action type adds (resize needs
// droplet:create, for one).
func (s *Server) missingScope(r *http.Request, body []byte) string {
	if s.opts.Scopes == nil {
		return ""
	}
	var need []string
	seg := splitPath(r.URL.Path)
	switch {
	case len(seg) >= 2 && seg[0] == "v2" && seg[1] == "actions":
		need = []string{"actions:read"}
	case r.Method == http.MethodPost:
		need = []string{"droplet:update"}
		var req struct {
			Type client.ActionType `json:"type"`
		}
		if json.Unmarshal(body, &req) == nil {
			if info, ok := client.LookupActionType(req.Type); ok && info.Scope != "" {
				need = append(need, info.Scope)
			}
		}
	default:
		need = []string{"droplet:read"}
	}
	for _, scope := range need {
		if !slices.Contains(s.opts.Scopes, scope) {
			return scope
		}
	}
	return ""
}
