package infrastructure

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/tests/cfn"
)

// The API's own domain is there exactly when a stack is given one: the
// domain and its mapping with ApiDomainName, the DNS record only with a
// hosted zone too; without them, the stage URL alone.
func TestCustomDomainOnlyWhenGiven(t *testing.T) {
	t.Parallel()
	domain := map[string]string{"ApiDomainName": "orders.example.com", "ApiCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"}
	withZone := map[string]string{"ApiHostedZoneId": "Z123EXAMPLE"}
	for k, v := range domain {
		withZone[k] = v
	}
	tests := []struct {
		name   string
		params map[string]string
		want   map[string]bool
	}{
		{"no domain", nil, map[string]bool{"ApiDomain": false, "ApiBasePathMapping": false, "ApiDomainRecord": false}},
		{"a domain", domain, map[string]bool{"ApiDomain": true, "ApiBasePathMapping": true, "ApiDomainRecord": false}},
		{"a domain and its zone", withZone, map[string]bool{"ApiDomain": true, "ApiBasePathMapping": true, "ApiDomainRecord": true}},
		{"a zone alone publishes nothing", map[string]string{"ApiHostedZoneId": "Z123EXAMPLE"}, map[string]bool{"ApiDomain": false, "ApiDomainRecord": false}},
	}
	for _, tt := range tests {
		for id, want := range tt.want {
			got, err := tmpl.Exists(id, tt.params)
			require.NoError(t, err, "%s: %s", tt.name, id)
			assert.Equal(t, want, got, "%s: %s", tt.name, id)
		}
	}

	d := tmpl.Resources["ApiDomain"].Properties
	assert.Equal(t, "TLS_1_2", d["SecurityPolicy"])
	assert.Equal(t, []any{"REGIONAL"}, cfn.Path(d, "EndpointConfiguration", "Types"))
	ref, _ := cfn.Ref(d["RegionalCertificateArn"])
	assert.Equal(t, "ApiCertificateArn", ref)
	m := tmpl.Resources["ApiBasePathMapping"].Properties
	api, _ := cfn.Ref(m["RestApiId"])
	assert.Equal(t, "OrdersApi", api, "the mapping serves this API")
	stage, _ := cfn.Ref(m["Stage"])
	assert.NotEmpty(t, stage, "and its stage")
	target, attr, ok := cfn.GetAtt(cfn.Path(tmpl.Resources["ApiDomainRecord"].Properties, "AliasTarget", "DNSName"))
	require.True(t, ok)
	assert.Equal(t, "ApiDomain", target)
	assert.Equal(t, "RegionalDomainName", attr)
	for _, output := range []string{"ApiDomainUrl", "ApiDomainTarget"} {
		assert.Equal(t, "HasApiDomain", cfn.Path(tmpl.Outputs[output], "Condition"), output)
	}
}
