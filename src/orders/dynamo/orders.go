// Package dynamo keeps orders in an Amazon DynamoDB table.
//
// The table is keyed by the string attribute "id" (see template.yaml, the
// one place where its key schema is defined). Items are mapped by hand rather
// than by reflection: the mapping is small, explicit and cheap.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/platform/dynamotx"
	"github.com/go-sam-blueprint/orders/src/orders"
)

// Attribute names of an order item, kept as the Python cookbook stores them.
const (
	attrID        = "id"
	attrName      = "name"
	attrItemCount = "item_count"
	attrCreatedAt = "created_at"
	attrPremium   = "premium"
)

// API is the part of the DynamoDB client that Orders uses.
type API interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Orders is an orders.Store on a DynamoDB table.
type Orders struct {
	db    API
	table string
}

var _ orders.Store = (*Orders)(nil)

// NewOrders returns an Orders that keeps orders in the named table.
func NewOrders(db API, table string) (*Orders, error) {
	if db == nil {
		return nil, errors.New("dynamo: nil DynamoDB client")
	}
	if table == "" {
		return nil, errors.New("dynamo: empty table name")
	}
	return &Orders{db: db, table: table}, nil
}

// Put stores a new order. It never overwrites an existing one. Inside a
// dynamotx transaction, the write joins it instead of being sent.
func (s *Orders) Put(ctx context.Context, o orders.Order) error {
	put := &types.Put{
		TableName:           &s.table,
		Item:                marshal(o),
		ConditionExpression: aws.String("attribute_not_exists(" + attrID + ")"),
	}
	if tx := dynamotx.From(ctx); tx != nil {
		tx.Add(types.TransactWriteItem{Put: put})
		return nil
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           put.TableName,
		Item:                put.Item,
		ConditionExpression: put.ConditionExpression,
	})
	if err != nil {
		return fmt.Errorf("put order %s: %w", o.ID, err)
	}
	return nil
}

// Get reads an order with a strongly consistent read, so that an order is
// found right after it was created.
func (s *Orders) Get(ctx context.Context, id uuid.UUID) (orders.Order, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return orders.Order{}, fmt.Errorf("get order %s: %w", id, err)
	}
	if out.Item == nil {
		return orders.Order{}, fmt.Errorf("get order %s: %w", id, orders.ErrNotFound)
	}
	return unmarshal(out.Item)
}

// Delete removes an order in one conditional call: the condition tells a
// missing order apart, and ALL_OLD returns the order as it was.
func (s *Orders) Delete(ctx context.Context, id uuid.UUID) (orders.Order, error) {
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           &s.table,
		Key:                 key(id),
		ConditionExpression: aws.String("attribute_exists(" + attrID + ")"),
		ReturnValues:        types.ReturnValueAllOld,
	})
	if _, missing := errors.AsType[*types.ConditionalCheckFailedException](err); missing {
		return orders.Order{}, fmt.Errorf("delete order %s: %w", id, orders.ErrNotFound)
	}
	if err != nil {
		return orders.Order{}, fmt.Errorf("delete order %s: %w", id, err)
	}
	return unmarshal(out.Attributes)
}

// List reads one page of a Scan. The page token is an opaque encoding of the
// last evaluated key; see pageToken.
func (s *Orders) List(ctx context.Context, limit int, token string) (orders.Page, error) {
	in := &dynamodb.ScanInput{TableName: &s.table, Limit: aws.Int32(int32(min(max(limit, 1), maxPageSize)))} //nolint:gosec // Bounded to 1..maxPageSize.
	if token != "" {
		startID, err := decodePageToken(token)
		if err != nil {
			return orders.Page{}, fmt.Errorf("list orders: %w", err)
		}
		in.ExclusiveStartKey = key(startID)
	}
	out, err := s.db.Scan(ctx, in)
	if err != nil {
		return orders.Page{}, fmt.Errorf("list orders: %w", err)
	}
	page := orders.Page{Orders: make([]orders.Order, 0, len(out.Items))}
	for _, item := range out.Items {
		o, err := unmarshal(item)
		if err != nil {
			return orders.Page{}, fmt.Errorf("list orders: %w", err)
		}
		page.Orders = append(page.Orders, o)
	}
	if len(out.LastEvaluatedKey) > 0 {
		next, err := encodePageToken(out.LastEvaluatedKey)
		if err != nil {
			return orders.Page{}, fmt.Errorf("list orders: %w", err)
		}
		page.NextToken = next
	}
	return page, nil
}

// maxPageSize bounds one Scan, whatever the caller asks for.
const maxPageSize = 1000

func key(id uuid.UUID) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id.String()}}
}

func marshal(o orders.Order) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrID:        &types.AttributeValueMemberS{Value: o.ID.String()},
		attrName:      &types.AttributeValueMemberS{Value: o.CustomerName},
		attrItemCount: &types.AttributeValueMemberN{Value: strconv.Itoa(o.ItemCount)},
		attrCreatedAt: &types.AttributeValueMemberS{Value: o.CreatedAt.UTC().Format(time.RFC3339Nano)},
		attrPremium:   &types.AttributeValueMemberBOOL{Value: o.Premium},
	}
}

func unmarshal(item map[string]types.AttributeValue) (orders.Order, error) {
	var (
		o    orders.Order
		errs []error
	)
	idText, err := stringAttr(item, attrID)
	errs = append(errs, err)
	if err == nil {
		o.ID, err = uuid.Parse(idText)
		errs = append(errs, err)
	}
	o.CustomerName, err = stringAttr(item, attrName)
	errs = append(errs, err)
	count, err := numberAttr(item, attrItemCount)
	errs = append(errs, err)
	if err == nil {
		o.ItemCount, err = strconv.Atoi(count)
		errs = append(errs, err)
	}
	created, err := stringAttr(item, attrCreatedAt)
	errs = append(errs, err)
	if err == nil {
		o.CreatedAt, err = time.Parse(time.RFC3339Nano, created)
		errs = append(errs, err)
	}
	// Orders stored before the premium flag existed are not premium.
	if premium, ok := item[attrPremium].(*types.AttributeValueMemberBOOL); ok {
		o.Premium = premium.Value
	}
	if err := errors.Join(errs...); err != nil {
		return orders.Order{}, fmt.Errorf("malformed order item %q: %w", idText, err)
	}
	return o, nil
}

func stringAttr(item map[string]types.AttributeValue, name string) (string, error) {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value, nil
	}
	return "", fmt.Errorf("attribute %s: not a string", name)
}

func numberAttr(item map[string]types.AttributeValue, name string) (string, error) {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		return v.Value, nil
	}
	return "", fmt.Errorf("attribute %s: not a number", name)
}
