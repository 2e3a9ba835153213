package provider

// This file holds what the provider hands every resource, data source and action when it
// configures them: the API client, and the one way to take it.

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// providerData is what every resource, data source and action receives in Configure.
type providerData struct {
	client *client.Client
}

// clientFrom returns the client the provider configured, or nil before it is configured
// (Terraform calls Configure on resources and data sources before the provider's own
// Configure during validation).
func clientFrom(data any, diags *diag.Diagnostics) *client.Client {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *providerData, got %T; this is a bug in the provider, please report it", data))
		return nil
	}
	return pd.client
}
