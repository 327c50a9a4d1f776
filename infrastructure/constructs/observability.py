"""Alarms on what needs a human: dead-lettered drop files, a 5xx rate on the API, failed job executions.

Functions log JSON through Powertools / Lambda's JSON log format and emit metrics in EMF under the
`Skylabel` namespace (functions.py sets the names); this construct adds the alarms and the topic they
notify, with an e-mail subscription when `alarmEmail` is set.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

FIVE_MINUTES = Duration.minutes(5)


class Observability(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, http_api: apigwv2.HttpApi, dead_letters: sqs.IQueue,
                 state_machines: dict[str, sfn.IStateMachine], alarm_email: str | None) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Alarms", display_name="Skylabel alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.alarms: list[cloudwatch.Alarm] = []

        self._alarm("DropDeadLetters", "drop files that could not be imported after retries (see the DLQ)",
                    dead_letters.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES,
                                                                              statistic="Maximum"),
                    threshold=1)
        rate = cloudwatch.MathExpression(
            expression="IF(requests >= 20, 100 * errors / requests, 0)",
            using_metrics={"errors": http_api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
                           "requests": http_api.metric_count(period=FIVE_MINUTES, statistic="Sum")},
            period=FIVE_MINUTES, label="5xx %",
        )
        self._alarm("Api5xxRate", "more than 5% of API requests answered 5xx", rate, threshold=5,
                    evaluation_periods=3, comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD)
        for name, machine in sorted(state_machines.items()):
            self._alarm(f"{name.capitalize()}JobsFailed", f"{name} job executions failed",
                        machine.metric_failed(period=FIVE_MINUTES, statistic="Sum"), threshold=1)

    def _alarm(self, construct_id: str, description: str, metric: cloudwatch.IMetric, *, threshold: float,
               evaluation_periods: int = 1,
               comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD) -> None:
        alarm = cloudwatch.Alarm(self, construct_id, metric=metric, threshold=threshold,
                                 evaluation_periods=evaluation_periods, comparison_operator=comparison,
                                 alarm_description=f"Skylabel: {description}",
                                 treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
