package idempotency

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/go-sam-blueprint/orders/src/platform/dynamotx"
)

// conflictRetry is what a client is told to wait when DynamoDB turned away
// a transaction that raced another on the same key.
const conflictRetry = time.Second

// Atomic runs an operation whose whole effect is the DynamoDB writes it
// makes through a dynamotx-aware store, in one round trip: the writes and
// the completed record commit in one transaction, on the condition that
// the key is free. A repeat fails that condition, and DynamoDB returns the
// record with the failure (ReturnValuesOnConditionCheckFailure), so a
// replay is one round trip too.
//
// There is no in-progress record: two requests with one key that overlap
// both run the operation, and DynamoDB commits one. The other gets the
// first's answer, or, when the two transactions collide, an
// *InProgressError. An operation with any other effect (a message sent,
// an API called) must use Guard.Do instead, which claims the key first.
type Atomic struct {
	*Guard
}

// Do runs op once for key, as Guard.Do does, in one round trip.
func (a Atomic) Do(ctx context.Context, key string, payload []byte, op func(ctx context.Context) ([]byte, error)) (result []byte, replayed bool, err error) {
	hash := payloadHash(payload)
	tx := &dynamotx.Tx{}
	result, err = op(dynamotx.With(ctx, tx))
	if err != nil {
		return nil, false, err
	}
	writes := tx.Items()
	now := a.now()
	record := types.TransactWriteItem{Put: &types.Put{
		TableName: &a.table,
		Item: map[string]types.AttributeValue{
			attrID:          s(key),
			attrStatus:      s(statusCompleted),
			attrPayloadHash: s(hash),
			attrExpiration:  n(now.Add(a.ttl).Unix()),
			attrResult:      &types.AttributeValueMemberB{Value: result},
		},
		// Free, or expired but not yet removed by TTL.
		ConditionExpression:                 aws.String("attribute_not_exists(#id) OR #exp < :now"),
		ExpressionAttributeNames:            pick("#id", "#exp"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": n(now.Unix())},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
	err = a.transact(ctx, writes, record, uuid.NewString())
	if err == nil {
		return result, false, nil
	}
	if canceled, ok := errors.AsType[*types.TransactionCanceledException](err); ok {
		reasons := canceled.CancellationReasons
		if len(reasons) == len(writes)+1 {
			mine := reasons[len(writes)]
			if aws.ToString(mine.Code) == "ConditionalCheckFailed" {
				return a.answer(mine.Item, hash, now)
			}
		}
		for _, r := range reasons {
			if aws.ToString(r.Code) == "TransactionConflict" {
				return nil, false, &InProgressError{RetryAfter: conflictRetry}
			}
		}
	}
	if _, ok := errors.AsType[*types.TransactionConflictException](err); ok {
		return nil, false, &InProgressError{RetryAfter: conflictRetry}
	}
	return nil, false, fmt.Errorf("idempotent commit: %w", err)
}
