package tracing

import (
	"context"
	"errors"
	"reflect"
	"slices"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/go-sam-blueprint/orders/src/platform/tracing/xray"
)

// throttles are the errors the SDK knows as throttling, whatever their
// status: DynamoDB throttles with 400 ThrottlingException and
// ProvisionedThroughputExceededException.
var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

// AWSMiddleware adds a client span around every AWS SDK call
// ("DynamoDB.PutItem"), retries included, with what X-Ray shows of an AWS
// call: the service, operation, region, table names, request id, retries
// and HTTP status. Add it to a client's APIOptions when tracing is on.
func AWSMiddleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("OTelClientSpan",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			service, operation := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
			ctx, span := otel.Tracer(instrumentation).Start(ctx, service+"."+operation,
				trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
					xray.KeyRPCSystem.String("aws-api"),
					xray.KeyRPCService.String(service),
					xray.KeyRPCMethod.String(operation),
				))
			// The rest only for a span that is kept: most requests are not
			// sampled.
			recording := span.IsRecording()
			if recording {
				span.SetAttributes(request(ctx, in.Parameters)...)
			}
			out, md, err := next.HandleInitialize(ctx, in)
			if recording {
				span.SetAttributes(outcome(md, err)...)
			}
			End(span, err)
			return out, md, err
		}), middleware.Before)
}

// request is what the call asks of which resources: its region and the
// DynamoDB tables it names.
func request(ctx context.Context, input any) []attribute.KeyValue {
	var attrs []attribute.KeyValue
	if region := awsmiddleware.GetRegion(ctx); region != "" {
		attrs = append(attrs, xray.KeyRegion.String(region))
	}
	if tables := tableNames(input); len(tables) > 0 {
		attrs = append(attrs, xray.KeyTableNames.StringSlice(tables))
	}
	return attrs
}

// outcome is what the call's answer says: its request id, status and
// retries, and whether it was throttled.
func outcome(md middleware.Metadata, err error) []attribute.KeyValue {
	var attrs []attribute.KeyValue
	requestID, _ := awsmiddleware.GetRequestIDMetadata(md)
	status := 0
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && resp != nil {
		status = resp.StatusCode
	}
	if respErr, ok := errors.AsType[*smithyhttp.ResponseError](err); ok {
		status = respErr.HTTPStatusCode()
	}
	if respErr, ok := errors.AsType[*awshttp.ResponseError](err); ok && requestID == "" {
		requestID = respErr.ServiceRequestID()
	}
	if requestID != "" {
		attrs = append(attrs, xray.KeyRequestID.String(requestID))
	}
	if status > 0 {
		attrs = append(attrs, xray.KeyHTTPStatus.Int(status))
	}
	if results, ok := retry.GetAttemptResults(md); ok && len(results.Results) > 1 {
		attrs = append(attrs, xray.KeyRetries.Int(len(results.Results)-1))
	}
	if err != nil && throttles.IsErrorThrottle(err).Bool() {
		attrs = append(attrs, xray.KeyThrottle.Bool(true))
	}
	return attrs
}

// tableNames reads the DynamoDB tables an operation's input names, without
// knowing the DynamoDB package: a TableName field (GetItem, PutItem, ...),
// the TableName of each of its TransactItems (TransactWriteItems,
// TransactGetItems), or the keys of its RequestItems (the batch
// operations). Other services' inputs name none.
func tableNames(input any) []string {
	v := reflect.ValueOf(input)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	if name, ok := stringField(v, "TableName"); ok {
		return []string{name}
	}
	var names []string
	if items := v.FieldByName("TransactItems"); items.Kind() == reflect.Slice {
		for i := range items.Len() {
			names = appendItemTables(names, items.Index(i))
		}
	}
	if items := v.FieldByName("RequestItems"); items.Kind() == reflect.Map && items.Type().Key().Kind() == reflect.String {
		for _, k := range items.MapKeys() {
			names = appendNew(names, k.String())
		}
		slices.Sort(names)
	}
	return names
}

// appendItemTables adds the TableName of each action of a transaction's
// item (its Put, Update, Delete, ConditionCheck or Get).
func appendItemTables(names []string, item reflect.Value) []string {
	if item.Kind() != reflect.Struct {
		return names
	}
	for i := range item.NumField() {
		action := item.Field(i)
		if action.Kind() != reflect.Pointer || action.IsNil() || action.Elem().Kind() != reflect.Struct {
			continue
		}
		if name, ok := stringField(action.Elem(), "TableName"); ok {
			names = appendNew(names, name)
		}
	}
	return names
}

func stringField(v reflect.Value, name string) (string, bool) {
	f := v.FieldByName(name)
	if f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.String {
		return "", false
	}
	return f.Elem().String(), true
}

func appendNew(names []string, name string) []string {
	if slices.Contains(names, name) {
		return names
	}
	return append(names, name)
}
