// Package dynamo keeps orders in an Amazon DynamoDB table: the orders
// domain's Store.
//
// The table is keyed by the string attribute "id", and its index OwnerIndex
// by "owner" and "created_at" (see template.yaml, the one place where its
// key schemas are defined). Items are mapped by hand rather
// than by reflection: the mapping is small, explicit and cheap. DynamoDB's
// failures leave this package as the domain's errors (errors.go).
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

	"github.com/go-sam-blueprint/orders/src/orders"
	"github.com/go-sam-blueprint/orders/src/platform/idempotency"
)

// Attribute names of an order item, kept as the Python cookbook stores
// them, and its owner's.
const (
	attrID        = "id"
	attrOwner     = "owner"
	attrName      = "name"
	attrItemCount = "item_count"
	attrCreatedAt = "created_at"
	attrPremium   = "premium"
)

// createdAtLayout writes creation times at a fixed width, to the
// millisecond, so that their order as strings, by which the owner index
// sorts, is their order in time.
const createdAtLayout = "2006-01-02T15:04:05.000Z07:00"

// OwnerIndex is the table's global secondary index of each owner's
// orders, newest first: partition key "owner", sort key "created_at"
// (template.yaml defines it; tests/infrastructure holds the two together).
const OwnerIndex = "ByOwner"

// API is the part of the DynamoDB client that Store uses.
type API interface {
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store is an orders.Store on a DynamoDB table.
type Store struct {
	db      API
	table   string
	records *idempotency.Records
}

var _ orders.Store = (*Store)(nil)

// NewStore returns a Store that keeps orders in the named table and the
// idempotency records of creates in records.
func NewStore(db API, table string, records *idempotency.Records) (*Store, error) {
	switch {
	case db == nil:
		return nil, errors.New("dynamo: nil DynamoDB client")
	case table == "":
		return nil, errors.New("dynamo: empty table name")
	case records == nil:
		return nil, errors.New("dynamo: nil idempotency records")
	}
	return &Store{db: db, table: table, records: records}, nil
}

// recordIndex is where a create's transaction holds its idempotency record.
const recordIndex = 1

// Create writes the order and the idempotency record of req in one
// TransactWriteItems: one round trip. The order never overwrites another;
// the record's condition fails when req was answered before, and DynamoDB
// then returns the record with the cancellation, so a replay is one round
// trip too and writes nothing.
func (s *Store) Create(ctx context.Context, o orders.Order, req idempotency.Request) (orders.Order, bool, error) {
	item := marshal(o)
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{
				TableName:           &s.table,
				Item:                item,
				ConditionExpression: aws.String("attribute_not_exists(" + attrID + ")"),
			}},
			// The answer to a replay is the order's item itself.
			s.records.Put(req, &types.AttributeValueMemberM{Value: item}),
		},
		// The SDK may send the call again; DynamoDB applies one token's
		// transaction once. The order's id is new to every create.
		ClientRequestToken: aws.String(o.ID.String()),
	})
	if err == nil {
		return o, false, nil
	}
	answer, replayed, err := s.records.Replay(err, recordIndex, req)
	if !replayed {
		return orders.Order{}, false, fmt.Errorf("order %s: %w", o.ID, translate(ctx, err))
	}
	stored, ok := answer.(*types.AttributeValueMemberM)
	if !ok {
		return orders.Order{}, false, fmt.Errorf("replay of order %s: the stored answer is no order item", o.ID)
	}
	first, err := unmarshal(stored.Value)
	if err != nil {
		return orders.Order{}, false, fmt.Errorf("replay of order %s: %w", o.ID, err)
	}
	return first, true, nil
}

// Get reads an order with a strongly consistent read, so that an order is
// found right after it was created. Another owner's order is not found:
// the read costs the same, and the answer tells nothing.
func (s *Store) Get(ctx context.Context, owner orders.Owner, id uuid.UUID) (orders.Order, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return orders.Order{}, fmt.Errorf("order %s: %w", id, translate(ctx, err))
	}
	if out.Item == nil {
		return orders.Order{}, fmt.Errorf("order %s: %w", id, orders.ErrNotFound)
	}
	o, err := unmarshal(out.Item)
	if err != nil {
		return orders.Order{}, err
	}
	if o.Owner != owner {
		return orders.Order{}, fmt.Errorf("order %s: %w", id, orders.ErrNotFound)
	}
	return o, nil
}

// Delete removes an order in one conditional call: the condition, that
// the order exists and is owner's, tells a missing or another's order
// apart, which stays; ALL_OLD returns the order as it was.
func (s *Store) Delete(ctx context.Context, owner orders.Owner, id uuid.UUID) (orders.Order, error) {
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 &s.table,
		Key:                       key(id),
		ConditionExpression:       aws.String("#owner = :owner"),
		ExpressionAttributeNames:  map[string]string{"#owner": attrOwner},
		ExpressionAttributeValues: map[string]types.AttributeValue{":owner": &types.AttributeValueMemberS{Value: string(owner)}},
		ReturnValues:              types.ReturnValueAllOld,
	})
	if _, missing := errors.AsType[*types.ConditionalCheckFailedException](err); missing {
		return orders.Order{}, fmt.Errorf("order %s: %w", id, orders.ErrNotFound)
	}
	if err != nil {
		return orders.Order{}, fmt.Errorf("order %s: %w", id, translate(ctx, err))
	}
	return unmarshal(out.Attributes)
}

// List reads one page of owner's orders, newest first, with a Query of
// the owner index: it reads only owner's items. The page token is an
// opaque encoding of the last evaluated key; see pagetoken.go.
func (s *Store) List(ctx context.Context, owner orders.Owner, limit int, token string) (orders.Page, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(OwnerIndex),
		KeyConditionExpression:    aws.String("#owner = :owner"),
		ExpressionAttributeNames:  map[string]string{"#owner": attrOwner},
		ExpressionAttributeValues: map[string]types.AttributeValue{":owner": &types.AttributeValueMemberS{Value: string(owner)}},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)), //nolint:gosec // The domain bounds it to 1..orders.MaxPageSize.
	}
	if token != "" {
		start, err := decodePageToken(owner, token)
		if err != nil {
			return orders.Page{}, err
		}
		in.ExclusiveStartKey = start
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return orders.Page{}, translate(ctx, err)
	}
	page := orders.Page{Orders: make([]orders.Order, 0, len(out.Items))}
	for _, item := range out.Items {
		o, err := unmarshal(item)
		if err != nil {
			return orders.Page{}, err
		}
		page.Orders = append(page.Orders, o)
	}
	if len(out.LastEvaluatedKey) > 0 {
		next, err := encodePageToken(owner, out.LastEvaluatedKey)
		if err != nil {
			return orders.Page{}, err
		}
		page.NextToken = next
	}
	return page, nil
}

func key(id uuid.UUID) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id.String()}}
}

// ownerKey is the key of an order in the owner index: the index's keys
// and the table's.
func ownerKey(owner orders.Owner, id uuid.UUID, created time.Time) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrID:        &types.AttributeValueMemberS{Value: id.String()},
		attrOwner:     &types.AttributeValueMemberS{Value: string(owner)},
		attrCreatedAt: &types.AttributeValueMemberS{Value: created.UTC().Format(createdAtLayout)},
	}
}

func marshal(o orders.Order) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrID:        &types.AttributeValueMemberS{Value: o.ID.String()},
		attrOwner:     &types.AttributeValueMemberS{Value: string(o.Owner)},
		attrName:      &types.AttributeValueMemberS{Value: o.CustomerName},
		attrItemCount: &types.AttributeValueMemberN{Value: strconv.Itoa(o.ItemCount)},
		attrCreatedAt: &types.AttributeValueMemberS{Value: o.CreatedAt.UTC().Format(createdAtLayout)},
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
	// An order stored before owners existed is no one's: no caller's
	// owner matches the empty one.
	if owner, ok := item[attrOwner].(*types.AttributeValueMemberS); ok {
		o.Owner = orders.Owner(owner.Value)
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
