// Package bare is the bare Lambda handler that make bench compares the
// orders function with: a create that does the same DynamoDB work as the
// orders function's, and nothing else. Its client is built as src/app
// builds the function's (from the variables Lambda sets, without the SDK's
// config package, with the same retries), and its one call is the same
// two-item conditional TransactWriteItems that dynamo.Store.Create sends:
// the order, and its idempotency record as idempotency.Records.Put writes
// it. It validates nothing, logs nothing, counts nothing and traces
// nothing: whatever the orders function does beyond it is what the bench
// measures.
//
// tests/bench/baseline runs it as a Lambda bootstrap; the bench's overhead
// measure calls it in process.
package bare

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
)

// recordTTL is the idempotency records' lifetime, the function's default.
const recordTTL = 300 * time.Second

// Handler creates orders.
type Handler struct {
	db              *dynamodb.Client
	orders, records string
}

// FromEnv builds the handler from the variables Lambda sets and the
// function's tables.
func FromEnv() *Handler { return New(os.Getenv) }

// New builds the handler from the variables that getenv reads; opts
// change the client's options last, as app.New's do.
func New(getenv func(string) string, opts ...func(*dynamodb.Options)) *Handler {
	o := dynamodb.Options{
		Region: getenv("AWS_REGION"),
		Credentials: credentials.NewStaticCredentialsProvider(getenv("AWS_ACCESS_KEY_ID"),
			getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts, o.MaxBackoff, o.BaseDelay = 3, time.Second, 25*time.Millisecond
		}),
	}
	if endpoint := getenv("AWS_ENDPOINT_URL_DYNAMODB"); endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
	}
	return &Handler{
		db:      dynamodb.New(o, opts...),
		orders:  getenv("ORDERS_TABLE_NAME"),
		records: getenv("IDEMPOTENCY_TABLE_NAME"),
	}
}

type order struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	ItemCount int    `json:"item_count"`
	CreatedAt string `json:"created_at"`
	Premium   bool   `json:"premium"`
}

// Create stores the order in the event's body as its caller's, with its
// idempotency record, in one transaction.
func (h *Handler) Create(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	var in struct {
		Name  string `json:"customer_name"`
		Count int    `json:"order_item_count"`
	}
	if json.Unmarshal([]byte(e.Body), &in) != nil {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusBadRequest}, nil //nolint:nilerr // A bad body is the client's error: a 400, not a function error.
	}
	claims, _ := e.RequestContext.Authorizer["claims"].(map[string]any)
	owner, _ := claims["sub"].(string)
	now := time.Now().UTC().Truncate(time.Millisecond)
	o := order{ID: uuid.NewString(), Name: in.Name, ItemCount: in.Count, CreatedAt: now.Format("2006-01-02T15:04:05.000Z07:00")}
	item := map[string]types.AttributeValue{
		"id":         &types.AttributeValueMemberS{Value: o.ID},
		"owner":      &types.AttributeValueMemberS{Value: owner},
		"name":       &types.AttributeValueMemberS{Value: o.Name},
		"item_count": &types.AttributeValueMemberN{Value: strconv.Itoa(o.ItemCount)},
		"created_at": &types.AttributeValueMemberS{Value: o.CreatedAt},
		"premium":    &types.AttributeValueMemberBOOL{Value: o.Premium},
	}
	sum := sha256.Sum256([]byte(e.Body))
	hash := hex.EncodeToString(sum[:])
	_, err := h.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{
				TableName: &h.orders, Item: item,
				ConditionExpression: aws.String("attribute_not_exists(id)"),
			}},
			{Put: &types.Put{
				TableName: &h.records,
				Item: map[string]types.AttributeValue{
					"id":           &types.AttributeValueMemberS{Value: "createOrder#" + owner + "#sha256:" + hash},
					"payload_hash": &types.AttributeValueMemberS{Value: hash},
					"expiration":   &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(recordTTL).Unix(), 10)},
					"result":       &types.AttributeValueMemberM{Value: item},
				},
				ConditionExpression:                 aws.String("attribute_not_exists(#id) OR #exp < :now"),
				ExpressionAttributeNames:            map[string]string{"#id": "id", "#exp": "expiration"},
				ExpressionAttributeValues:           map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
		},
		ClientRequestToken: aws.String(o.ID),
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	body, err := json.Marshal(o)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode: http.StatusOK, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body),
	}, nil
}
