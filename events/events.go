// Package events holds the sample API Gateway REST proxy events, one per
// orders operation of api.yaml (make invoke, sam local invoke), for the
// code that sends them: the deployment hook invokes each new version of
// the orders functions with them before it takes traffic
// (src/orders/deployhook).
package events

import "embed"

// FS holds the sample events, by file name: each operation's is its
// operationId in snake case (create_order.json, ...). env.json, sam
// local's environment, is no event and stays out.
//
//go:embed *_*.json
var FS embed.FS
