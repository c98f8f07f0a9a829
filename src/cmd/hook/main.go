// Command hook is the pre-traffic hook of the orders functions' gradual
// deployments (the bootstrap of CodeDeployHookFunction): CodeDeploy invokes
// it before it shifts traffic to their new versions, and it reports
// whether those answered as api.yaml allows (src/orders/deployhook).
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/caarlos0/env/v11"

	"github.com/go-sam-blueprint/orders/src/orders/deployhook"
	"github.com/go-sam-blueprint/orders/src/platform/logging"
)

func main() {
	cfg, err := env.ParseAs[deployhook.Config]()
	if err != nil {
		fail(err)
	}
	// The clients are built from Lambda's variables alone, as the orders
	// functions build theirs (config.AWS says why).
	creds := credentials.NewStaticCredentialsProvider(cfg.AWS.AccessKeyID, string(cfg.AWS.SecretAccessKey), string(cfg.AWS.SessionToken))
	invoker := awslambda.New(awslambda.Options{Region: cfg.AWS.Region, Credentials: creds})
	reporter := codedeploy.New(codedeploy.Options{Region: cfg.AWS.Region, Credentials: creds})
	log := logging.New(os.Stdout, cfg.LogLevel, slog.String("service", "deployment-hook"))
	h, err := deployhook.New(invoker, reporter, cfg.Functions, log)
	if err != nil {
		fail(err)
	}
	lambda.Start(h.Handle)
}

// fail ends a start-up that cannot succeed; Lambda reports it as an init
// error, with this line in the function's log. CodeDeploy then hears
// nothing and fails the deployment when the hook's hour is up: the error
// alarm of the hook says so sooner.
func fail(err error) {
	slog.New(slog.NewJSONHandler(os.Stdout, nil)).Error("start-up failed", "error", err.Error())
	os.Exit(1)
}
