package sam_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/local/sam"
)

func load(t *testing.T, text string) *sam.Template {
	t.Helper()
	path := filepath.Join(t.TempDir(), "template.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	tmpl, err := sam.Load(path)
	require.NoError(t, err)
	return tmpl
}

// The project's own template defines the orders table and wires it to the
// function; local runs depend on both.
func TestProjectTemplate(t *testing.T) {
	t.Parallel()
	tmpl, err := sam.Load(filepath.Join("..", "..", "..", "template.yaml"))
	require.NoError(t, err)

	tables, err := tmpl.Tables()
	require.NoError(t, err)
	require.Len(t, tables, 2)
	assert.Equal(t, "IdempotencyTable", tables[0].LogicalID)
	assert.Equal(t, "expiration", tables[0].TTLAttribute)
	assert.Equal(t, "OrdersTable", tables[1].LogicalID)
	assert.Equal(t, "OrdersTable", aws.ToString(tables[1].Create.TableName))
	assert.Equal(t, []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}}, tables[1].Create.KeySchema)

	env, err := tmpl.Environment()
	require.NoError(t, err)
	assert.Equal(t, "OrdersTable", env["ORDERS_TABLE_NAME"])
	assert.Equal(t, "IdempotencyTable", env["IDEMPOTENCY_TABLE_NAME"])
	assert.NotEmpty(t, env["SERVICE_NAME"])
	assert.Equal(t, "JSON", env["AWS_LAMBDA_LOG_FORMAT"])
	assert.Equal(t, "INFO", env["AWS_LAMBDA_LOG_LEVEL"])
	// An Fn::If takes the branch the parameters choose.
	assert.Equal(t, "ListOrdersFunction", env["LIST_ORDERS_VERSION"])
	require.NoError(t, tmpl.SetParameters(map[string]string{"ListOrdersSubnetIds": "subnet-1,subnet-2"}))
	env, err = tmpl.Environment()
	require.NoError(t, err)
	assert.Equal(t, "ListOrdersManagedFunction", env["LIST_ORDERS_VERSION"])
}

func TestTables(t *testing.T) {
	t.Parallel()
	tmpl := load(t, `
Resources:
  Idem:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-idem"
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}, {AttributeName: g, AttributeType: N}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      GlobalSecondaryIndexes:
        - IndexName: byG
          KeySchema: [{AttributeName: g, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
      TimeToLiveSpecification: {AttributeName: expiration, Enabled: true}
  Topic:
    Type: AWS::SNS::Topic
`)
	tables, err := tmpl.Tables()
	require.NoError(t, err)
	require.Len(t, tables, 1)
	assert.Equal(t, "expiration", tables[0].TTLAttribute)
	assert.Equal(t, types.BillingModePayPerRequest, tables[0].Create.BillingMode)
	require.Len(t, tables[0].Create.GlobalSecondaryIndexes, 1)
	assert.Equal(t, "byG", aws.ToString(tables[0].Create.GlobalSecondaryIndexes[0].IndexName))
	assert.Len(t, tables[0].Create.AttributeDefinitions, 2)

	_, err = load(t, "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties: {}\n").Tables()
	require.ErrorContains(t, err, "no KeySchema")
}

func TestEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		want    map[string]string
		wantErr string
	}{
		{
			name: "globals and functions",
			text: `
Globals: {Function: {Environment: {Variables: {LEVEL: INFO, N: 3}}}}
Resources:
  T: {Type: AWS::DynamoDB::Table}
  A: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {TABLE: !Ref T}}}}
  B: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {TABLE: !Ref T, LEVEL: INFO}}}}
`,
			want: map[string]string{"LEVEL": "INFO", "N": "3", "TABLE": "T"},
		},
		{
			name: "globals without functions",
			text: `
Globals: {Function: {LoggingConfig: {LogFormat: JSON}, Environment: {Variables: {LEVEL: INFO}}}}
Resources:
  T: {Type: AWS::DynamoDB::Table}
`,
			want: map[string]string{"LEVEL": "INFO", "AWS_LAMBDA_LOG_FORMAT": "JSON"},
		},
		{
			name: "functions disagree",
			text: `
Resources:
  A: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {LEVEL: INFO}}}}
  B: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {LEVEL: DEBUG}}}}
`,
			wantErr: "LEVEL",
		},
		{
			name: "a function overrides a global that another keeps",
			text: `
Globals: {Function: {Environment: {Variables: {LEVEL: INFO}}}}
Resources:
  A: {Type: AWS::Serverless::Function}
  B: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {LEVEL: DEBUG}}}}
`,
			wantErr: "LEVEL",
		},
		{
			name: "getatt and logging config",
			text: `
Globals: {Function: {LoggingConfig: {LogFormat: JSON, ApplicationLogLevel: INFO}}}
Resources:
  T: {Type: AWS::DynamoDB::Table}
  A: {Type: AWS::Serverless::Function, Properties: {LoggingConfig: {ApplicationLogLevel: DEBUG}, Environment: {Variables: {ARN: !GetAtt T.Arn}}}}
`,
			want: map[string]string{"ARN": "T", "AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "DEBUG"},
		},
		{
			name:    "unresolvable intrinsic",
			text:    "Resources:\n  A: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {ARN: !Sub '${AWS::Region}'}}}}\n",
			wantErr: "!Sub cannot be resolved locally",
		},
		{
			name:    "ref to nothing",
			text:    "Resources:\n  A: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {X: !Ref Nope}}}}\n",
			wantErr: "no such resource",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, err := load(t, tt.text).Environment()
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, env)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	_, err := sam.Load(filepath.Join(t.TempDir(), "missing.yaml"))
	require.Error(t, err)
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte("Resources: [\n"), 0o600))
	_, err = sam.Load(path)
	require.Error(t, err)
}

// An Fn::ForEach loop among the resources is passed over: what local runs
// read is declared resource by resource.
func TestForEachLoopsArePassedOver(t *testing.T) {
	t.Parallel()
	tmpl := load(t, `
Resources:
  Fn::ForEach::PerFunction:
    - Name
    - [A, B]
    - ${Name}LogGroup:
        Type: AWS::Logs::LogGroup
  AFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE: !Ref Orders
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: id, KeyType: HASH}]
`)
	env, err := tmpl.Environment()
	require.NoError(t, err)
	assert.Equal(t, "Orders", env["TABLE"])
	tables, err := tmpl.Tables()
	require.NoError(t, err)
	require.Len(t, tables, 1)
}

func TestDeclared(t *testing.T) {
	t.Parallel()
	tmpl := load(t, `
Globals:
  Function:
    Environment:
      Variables: {A: a, B: b}
Resources:
  One:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables: {B: own, C: c}
  Two:
    Type: AWS::Serverless::Function
`)
	declared, err := tmpl.Declared()
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"One": {"A", "B", "C"}, "Two": {"A", "B"}}, declared)
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	tmpl := load(t, `
Globals:
  Function:
    Timeout: 10
Resources:
  Own:
    Type: AWS::Serverless::Function
    Properties: {Timeout: 25}
  Global:
    Type: AWS::Serverless::Function
`)
	timeouts, err := tmpl.Timeouts()
	require.NoError(t, err)
	assert.Equal(t, map[string]time.Duration{"Own": 25 * time.Second, "Global": 10 * time.Second}, timeouts)

	bare := load(t, "Resources:\n  F:\n    Type: AWS::Serverless::Function\n")
	timeouts, err = bare.Timeouts()
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, timeouts["F"], "Lambda's default")
}
