// Package worker registers Outdial's workflows and activities with a
// Temporal worker and prepares the namespace they run in.
package worker

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/workflows"
)

// Retention keeps closed contact workflows readable in the Web UI for weeks.
const Retention = 30 * 24 * time.Hour

// Config is how a worker process polls and how much it runs at once
// (`outdial worker`'s flags). Zero values take the defaults below.
type Config struct {
	TaskQueue string
	// Name identifies the worker in Temporal's task queue view and on the
	// attempts it dials.
	Name string
	// WorkflowPollers and ActivityPollers are the pollers of each task
	// queue; a negative number leaves them to the SDK's autoscaling.
	WorkflowPollers, ActivityPollers int
	// MaxActivities and MaxLocalActivities bound the activities run at once.
	MaxActivities, MaxLocalActivities int
}

// Defaults of Config. The pacer starts contacts' workflows in bursts, one
// per free line; each first workflow task waits on the task queue for a
// poller, where the SDK's default of two (shared with the sticky queue)
// held a burst's last contact for half a second.
const (
	DefaultWorkflowPollers    = 8
	DefaultActivityPollers    = 4
	DefaultMaxActivities      = 1000
	DefaultMaxLocalActivities = 1000
)

// Options are the SDK's worker options for c.
func (c Config) Options() sdkworker.Options {
	o := sdkworker.Options{
		Identity:                                c.Name,
		MaxConcurrentActivityExecutionSize:      orDefault(c.MaxActivities, DefaultMaxActivities),
		MaxConcurrentLocalActivityExecutionSize: orDefault(c.MaxLocalActivities, DefaultMaxLocalActivities),
	}
	if c.WorkflowPollers < 0 {
		o.WorkflowTaskPollerBehavior = sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{})
	} else {
		o.MaxConcurrentWorkflowTaskPollers = orDefault(c.WorkflowPollers, DefaultWorkflowPollers)
	}
	if c.ActivityPollers < 0 {
		o.ActivityTaskPollerBehavior = sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{})
	} else {
		o.MaxConcurrentActivityTaskPollers = orDefault(c.ActivityPollers, DefaultActivityPollers)
	}
	return o
}

func orDefault(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// Activities are the activities' structs, one per domain.
type Activities struct {
	Import   *activities.Import
	Contact  *activities.Contact
	Campaign *activities.Campaign
}

// NewActivities are the activities over a process's domain services, and
// the import's.
func NewActivities(svc *services.Services, imports *activities.Import) Activities {
	return Activities{Import: imports, Contact: &activities.Contact{Contacts: svc.Contacts}, Campaign: &activities.Campaign{Campaigns: svc.Campaigns}}
}

// New returns a worker for cfg's task queue with every workflow and
// activity.
func New(c client.Client, cfg Config, acts Activities) sdkworker.Worker {
	w := sdkworker.New(c, cfg.TaskQueue, cfg.Options())
	Register(w, acts)
	return w
}

// Register registers every workflow and activity with r under the names
// histories know them by (package contract), never their Go names.
func Register(r sdkworker.Registry, acts Activities) {
	for name, wf := range map[string]any{
		contract.ImportListWorkflow: workflows.ImportList,
		contract.ContactWorkflow:    workflows.Contact,
		contract.CampaignWorkflow:   workflows.Campaign,
	} {
		r.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: name})
	}
	for name, fn := range map[string]any{
		contract.ImportListActivity:            acts.Import.ImportList,
		contract.FailListActivity:              acts.Import.FailList,
		contract.StartContactActivity:          acts.Contact.StartContact,
		contract.PrepareAttemptActivity:        acts.Contact.PrepareAttempt,
		contract.DialActivity:                  acts.Contact.Dial,
		contract.FinishAttemptActivity:         acts.Contact.FinishAttempt,
		contract.SetContactStatusActivity:      acts.Contact.SetContactStatus,
		contract.FreeAgentActivity:             acts.Contact.FreeAgent,
		contract.PaceActivity:                  acts.Campaign.Pace,
		contract.CloseCampaignContactsActivity: acts.Campaign.CloseCampaignContacts,
	} {
		r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
}

// Setup registers the custom search attributes that are missing and sets the
// namespace's retention. It is idempotent, so every worker start runs it.
func Setup(ctx context.Context, c client.Client, namespace string) error {
	existing, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of %s: %w", namespace, err)
	}
	req := &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: map[string]enumspb.IndexedValueType{}}
	for _, sa := range contract.SearchAttributes {
		if _, ok := existing.GetCustomAttributes()[sa.Name]; !ok {
			req.SearchAttributes[sa.Name] = sa.Type
		}
	}
	if len(req.SearchAttributes) > 0 {
		if _, err := c.OperatorService().AddSearchAttributes(ctx, req); err != nil {
			return fmt.Errorf("add search attributes to %s: %w", namespace, err)
		}
	}
	ns, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("describe namespace %s: %w", namespace, err)
	}
	if ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() >= Retention {
		return nil
	}
	cfg := ns.GetConfig()
	cfg.WorkflowExecutionRetentionTtl = durationpb.New(Retention)
	// Sent back as they are, the aliases would be added a second time.
	cfg.CustomSearchAttributeAliases = nil
	if _, err := c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{Namespace: namespace, Config: cfg}); err != nil {
		return fmt.Errorf("set retention of %s: %w", namespace, err)
	}
	return nil
}
