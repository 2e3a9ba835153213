package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// tagNameRule documents the rule a tag_name keeps, for schema descriptions.
var tagNameRule = fmt.Sprintf("DigitalOcean's tag names match `%s` (letters, digits, `_`, `-` and `:`) and have at most %d characters: any other value is refused at plan time, as no droplet could carry it.",
	client.TagNamePattern, client.MaxNameLength)

// tagNameValidator refuses at plan time a tag that DigitalOcean's tag schema does not
// allow, with the client's rule: no droplet can carry it, so a call would only come back
// with "no droplet carries the tag". It is on every attribute that takes a tag.
type tagNameValidator struct{}

func (tagNameValidator) Description(context.Context) string {
	return fmt.Sprintf("must match %s and have at most %d characters", client.TagNamePattern, client.MaxNameLength)
}

func (v tagNameValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (tagNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	err := client.ValidTagName(req.ConfigValue.ValueString())
	var ve *client.ValidationError
	switch {
	case errors.As(err, &ve):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid tag name", ve.Message)
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid tag name", err.Error())
	}
}
