package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Descriptions of the computed action attributes, shared by every schema that has them.
const (
	descStatus       = "Status of the action: `in-progress`, `completed` or `errored`."
	descStartedAt    = "When the action started (RFC 3339)."
	descCompletedAt  = "When the action finished (RFC 3339); null while it is in progress."
	descResourceID   = "ID of the droplet the action ran on."
	descResourceType = "Type of resource the action ran on: `droplet`."
	descRegionSlug   = "Slug of the region the droplet is in."
	descRegion       = "The region the droplet is in."
)

func resourceActionStateAttributes() map[string]rschema.Attribute {
	// An in-place update only stores wait and timeouts, so what the API reported stays.
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	return map[string]rschema.Attribute{
		"status":        rschema.StringAttribute{Computed: true, MarkdownDescription: descStatus, PlanModifiers: keep},
		"started_at":    rschema.StringAttribute{Computed: true, MarkdownDescription: descStartedAt, PlanModifiers: keep},
		"completed_at":  rschema.StringAttribute{Computed: true, MarkdownDescription: descCompletedAt, PlanModifiers: keep},
		"resource_id":   rschema.Int64Attribute{Computed: true, MarkdownDescription: descResourceID, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
		"resource_type": rschema.StringAttribute{Computed: true, MarkdownDescription: descResourceType, PlanModifiers: keep},
		"region_slug":   rschema.StringAttribute{Computed: true, MarkdownDescription: descRegionSlug, PlanModifiers: keep},
		"region": rschema.SingleNestedAttribute{
			Computed: true, MarkdownDescription: descRegion,
			PlanModifiers: []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
			Attributes: map[string]rschema.Attribute{
				"name":      rschema.StringAttribute{Computed: true, MarkdownDescription: "Display name of the region."},
				"slug":      rschema.StringAttribute{Computed: true, MarkdownDescription: "Slug of the region."},
				"available": rschema.BoolAttribute{Computed: true, MarkdownDescription: "Whether new droplets can be created in the region."},
				"features":  rschema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Features the region offers."},
				"sizes":     rschema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Size slugs available in the region."},
			},
		},
	}
}

func dataSourceActionStateAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"status":        schema.StringAttribute{Computed: true, MarkdownDescription: descStatus},
		"started_at":    schema.StringAttribute{Computed: true, MarkdownDescription: descStartedAt},
		"completed_at":  schema.StringAttribute{Computed: true, MarkdownDescription: descCompletedAt},
		"resource_id":   schema.Int64Attribute{Computed: true, MarkdownDescription: descResourceID},
		"resource_type": schema.StringAttribute{Computed: true, MarkdownDescription: descResourceType},
		"region_slug":   schema.StringAttribute{Computed: true, MarkdownDescription: descRegionSlug},
		"region": schema.SingleNestedAttribute{
			Computed: true, MarkdownDescription: descRegion,
			Attributes: map[string]schema.Attribute{
				"name":      schema.StringAttribute{Computed: true, MarkdownDescription: "Display name of the region."},
				"slug":      schema.StringAttribute{Computed: true, MarkdownDescription: "Slug of the region."},
				"available": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether new droplets can be created in the region."},
				"features":  schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Features the region offers."},
				"sizes":     schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Size slugs available in the region."},
			},
		},
	}
}
