package provider

import (
	"context"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// maxDropletID is the largest droplet ID accepted: 2^53, the largest integer every JSON
// client (DigitalOcean's own included) holds exactly.
const maxDropletID = 1 << 53

// dropletIDType is the type of every droplet_id a configuration sets: an Int64 that
// refuses a fractional, non-positive or huge number with one clear error naming the
// attribute, where the framework's own Int64 answers "This is always an error in the
// provider" twice, the second time when the configuration is read.
type dropletIDType struct {
	basetypes.Int64Type
}

var _ basetypes.Int64Typable = dropletIDType{}

func (t dropletIDType) Equal(o attr.Type) bool {
	_, ok := o.(dropletIDType)
	return ok
}

func (t dropletIDType) String() string { return "dropletIDType" }

// Validate refuses what no droplet ID can be.
func (t dropletIDType) Validate(_ context.Context, in tftypes.Value, p path.Path) diag.Diagnostics {
	f, ok := knownNumber(in)
	if !ok {
		return nil
	}
	if !f.IsInt() || f.Cmp(big.NewFloat(1)) < 0 || f.Cmp(new(big.Float).SetInt64(maxDropletID)) > 0 {
		return diag.Diagnostics{diag.NewAttributeErrorDiagnostic(p, "Invalid droplet ID",
			fmt.Sprintf("%s must be a whole number between 1 and %d (2^53), got %s.", attrName(p), int64(maxDropletID), f.Text('g', -1)))}
	}
	return nil
}

// ValueFromTerraform reads a valid droplet ID as an Int64. What Validate refuses reads as
// unknown, so that nothing else reports it a second time.
func (t dropletIDType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	if f, ok := knownNumber(in); ok && (!f.IsInt() || f.Cmp(new(big.Float).SetInt64(maxDropletID)) > 0 || f.Sign() < 0) {
		return dropletIDValue{Int64Value: basetypes.NewInt64Unknown()}, nil
	}
	v, err := t.Int64Type.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	i, ok := v.(basetypes.Int64Value)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return dropletIDValue{Int64Value: i}, nil
}

// knownNumber is in's number, when in is a known, non-null number.
func knownNumber(in tftypes.Value) (*big.Float, bool) {
	if in.IsNull() || !in.IsKnown() || !in.Type().Is(tftypes.Number) {
		return nil, false
	}
	var f big.Float
	if err := in.As(&f); err != nil {
		return nil, false
	}
	return &f, true
}

// attrName is the last step of p, such as droplet_id.
func attrName(p path.Path) string {
	steps := p.Steps()
	if len(steps) == 0 {
		return "the value"
	}
	return steps[len(steps)-1].String()
}

// ValueType is the value a droplet_id reads into.
func (t dropletIDType) ValueType(_ context.Context) attr.Value { return dropletIDValue{} }

// ValueFromInt64 wraps an Int64 as a droplet ID.
func (t dropletIDType) ValueFromInt64(_ context.Context, v basetypes.Int64Value) (basetypes.Int64Valuable, diag.Diagnostics) {
	return dropletIDValue{Int64Value: v}, nil
}

// dropletIDValue is a droplet_id as a configuration, plan or state holds it: an Int64 of
// dropletIDType.
type dropletIDValue struct {
	basetypes.Int64Value
}

var _ basetypes.Int64Valuable = dropletIDValue{}

func (v dropletIDValue) Type(_ context.Context) attr.Type { return dropletIDType{} }

func (v dropletIDValue) Equal(o attr.Value) bool {
	other, ok := o.(dropletIDValue)
	return ok && v.Int64Value.Equal(other.Int64Value)
}

// newDropletID is a known droplet ID.
func newDropletID(id int64) dropletIDValue {
	return dropletIDValue{Int64Value: basetypes.NewInt64Value(id)}
}
