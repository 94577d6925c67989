"""KafkaCluster on the recorded plans: MSK (staging, prod) and Strimzi (dev), every promised property."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from components.catalog import tokens
from components.kafka._msk_iam import resource_arn
from mlinfra.engine import Plan, PlannedResource, unwrap_secrets

MSK = "aws:msk/cluster:Cluster"
TOPIC = "aws:msk/topic:Topic"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
CR = "kubernetes:kafka.strimzi.io/v1:{}".format
SCHEMAS = Path(__file__).resolve().parents[2] / "data" / "strimzi"


def _children(plan: Plan) -> list[PlannedResource]:
    component = plan.get(tokens.KAFKA_CLUSTER, "kafka")
    return [r for r in plan.resources if r.parent == component.urn]


# -- MSK -------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_msk_cluster_is_secure_by_default(stack: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(f"{stack}_plan")
    msk = plan.get(MSK, "kafka-msk")
    inputs = msk.inputs
    key = plan.get("aws:kms/key:Key", "kafka-key")
    transit = inputs["encryptionInfo"]["encryptionInTransit"]
    assert transit == {"clientBroker": "TLS", "inCluster": True}, msk.name
    assert inputs["encryptionInfo"]["encryptionAtRestKmsKeyArn"], msk.name
    assert key.urn in msk.property_dependencies.get("encryptionInfo", ()), f"{msk.name} must be encrypted with kafka-key"
    assert key.inputs["enableKeyRotation"] is True, key.name
    assert inputs["clientAuthentication"] == {"sasl": {"iam": True, "scram": False}, "unauthenticated": False}, msk.name
    info = inputs["brokerNodeGroupInfo"]
    assert info["connectivityInfo"]["publicAccess"] == {"type": "DISABLED"}, msk.name
    assert len(info["clientSubnets"]) == 3 and inputs["numberOfBrokerNodes"] % 3 == 0, msk.name
    assert inputs["openMonitoring"]["prometheus"] == {
        "jmxExporter": {"enabledInBroker": True},
        "nodeExporter": {"enabledInBroker": True},
    }
    logs = inputs["loggingInfo"]["brokerLogs"]["cloudwatchLogs"]
    assert logs["enabled"] is True, msk.name
    group = plan.get("aws:cloudwatch/logGroup:LogGroup", "kafka-broker-logs")
    assert group.inputs["name"] == logs["logGroup"] and key.urn in group.property_dependencies["kmsKeyId"], group.name
    # The key policy lets CloudWatch Logs use the key for exactly that log group.
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["BrokerLogs"]["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"].endswith(
        f":log-group:{group.inputs['name']}"
    )
    assert inputs["enhancedMonitoring"] == ("PER_TOPIC_PER_BROKER" if stack == "prod" else "PER_BROKER")
    # Protected and retained in prod only, the cluster and its key alike.
    assert (msk.protect, msk.retain_on_delete, key.protect, key.retain_on_delete) == ((stack == "prod",) * 4), msk.name


def test_msk_security_group_admits_only_the_eks_nodes_on_the_client_and_monitoring_ports(prod_plan: Plan) -> None:
    sg = prod_plan.get("aws:ec2/securityGroup:SecurityGroup", "kafka-brokers")
    assert not sg.inputs.get("ingress") and not sg.inputs.get("egress"), f"{sg.name}: rules are separate resources"
    rules = [r for r in prod_plan.resources if r.type.startswith("aws:vpc/securityGroup") and r.name.startswith("kafka-")]
    assert {r.type.split(":")[-1] for r in rules} == {"SecurityGroupIngressRule"}, "no egress rule"
    cluster = prod_plan.get("aws:eks/cluster:Cluster", "cluster-eks")
    # IAM clients on 9098; Prometheus on MSK open monitoring's 11001 (JMX) and 11002 (node exporter):
    # https://docs.aws.amazon.com/msk/latest/developerguide/open-monitoring.html
    by_name = {r.name: r for r in rules}
    assert sorted(by_name) == ["kafka-iam-from-nodes-0", "kafka-jmx-exporter-from-nodes-0", "kafka-node-exporter-from-nodes-0"]
    expected = {
        "kafka-iam-from-nodes-0": 9098,
        "kafka-jmx-exporter-from-nodes-0": 11001,
        "kafka-node-exporter-from-nodes-0": 11002,
    }
    for rule_name, port in expected.items():
        rule = by_name[rule_name]
        assert (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["ipProtocol"]) == (port, port, "tcp"), rule.name
        # The EKS cluster security group (which the managed nodes, Prometheus's included, carry).
        assert rule.property_dependencies["referencedSecurityGroupId"] == (cluster.urn,), rule.name
        assert rule.property_dependencies["securityGroupId"] == (sg.urn,), rule.name
        assert "cidrIpv4" not in rule.inputs, f"{rule.name}: no address range, only the nodes' group"


def test_msk_configuration_and_storage_autoscaling(prod_plan: Plan) -> None:
    config = prod_plan.get("aws:msk/configuration:Configuration", "kafka-config")
    props = dict(line.split("=", 1) for line in config.inputs["serverProperties"].splitlines())
    assert props["auto.create.topics.enable"] == "false" and props["unclean.leader.election.enable"] == "false"
    assert (props["default.replication.factor"], props["min.insync.replicas"]) == ("3", "2"), config.name
    target = prod_plan.get("aws:appautoscaling/target:Target", "kafka-storage")
    assert (target.inputs["serviceNamespace"], target.inputs["scalableDimension"]) == ("kafka", "kafka:broker-storage:VolumeSize")
    assert target.inputs["maxCapacity"] == 4000, target.name
    policy = prod_plan.get("aws:appautoscaling/policy:Policy", "kafka-storage")
    tracking = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert tracking["predefinedMetricSpecification"]["predefinedMetricType"] == "KafkaBrokerStorageUtilization"
    assert (tracking["targetValue"], tracking["disableScaleIn"]) == (60, True), policy.name


def test_msk_topics_come_from_the_team_files(prod_plan: Plan) -> None:
    topics = {r.inputs["name"]: r for r in prod_plan.of_type(TOPIC)}
    assert sorted(topics) == ["recsys.clicks", "recsys.orders", "vision.image-events"]
    orders = topics["recsys.orders"]
    assert (orders.inputs["partitionCount"], orders.inputs["replicationFactor"]) == (12, 3), orders.name
    assert json.loads(orders.inputs["configs"]) == {"min.insync.replicas": "2", "retention.ms": str(168 * 3600 * 1000)}
    assert orders.protect and orders.retain_on_delete, f"{orders.name} must be protected in prod"


def _statements(resource: PlannedResource) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in json.loads(resource.inputs["policy"])["Statement"]}


def test_msk_team_statements_are_scoped_to_the_team_and_its_grants(prod_plan: Plan) -> None:
    cluster_arn = prod_plan.outputs["kafka_cluster_arn"]
    vision = prod_plan.get(ROLE_POLICY, "kafka-vision-access")
    team = prod_plan.get(
        "aws:iam/role:Role", next(r.name for r in prod_plan.of_type("aws:iam/role:Role") if r.name.startswith("team-vision"))
    )
    assert team.urn in vision.property_dependencies["role"], f"{vision.name} must attach to the team's Pod Identity role"
    s = _statements(vision)
    resources = [arn for st in s.values() for arn in st["Resource"]]
    assert not any(fnmatch.fnmatchcase(resource_arn(cluster_arn, "topic", "recsys.clicks"), r) for r in resources)
    assert fnmatch.fnmatchcase(resource_arn(cluster_arn, "topic", "vision.image-events"), s["OwnTopics"]["Resource"][0])
    assert s["GrantedTopics"]["Resource"] == [resource_arn(cluster_arn, "topic", "recsys.orders")]
    assert "kafka-cluster:WriteData" not in s["GrantedTopics"]["Action"]
    assert s["ConnectToKafka"]["Resource"] == [cluster_arn]
    assert all(r == cluster_arn or "/vision." in r or r.endswith("/recsys.orders") for r in resources), resources


def test_msk_delivery_into_the_raw_zone(prod_plan: Plan) -> None:
    msk = prod_plan.get(MSK, "kafka-msk")
    vpc = msk.inputs["brokerNodeGroupInfo"]["connectivityInfo"]["vpcConnectivity"]
    assert vpc == {"clientAuthentication": {"sasl": {"iam": True}}}, "Firehose needs multi-VPC connectivity for IAM"
    policy = prod_plan.get("aws:msk/clusterPolicy:ClusterPolicy", "kafka-firehose-access")
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Principal"] == {"Service": ["firehose.amazonaws.com"]} and statement["Action"] == [
        "kafka:CreateVpcConnection"
    ]
    stream = prod_plan.get("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "kafka-recsys-clicks-to-lake")
    source = stream.inputs["mskSourceConfiguration"]
    assert source["topicName"] == "recsys.clicks" and source["authenticationConfiguration"]["connectivity"] == "PRIVATE"
    s3 = stream.inputs["extendedS3Configuration"]
    lake = prod_plan.outputs["data_lake_bucket_arns"]
    assert s3["bucketArn"] == lake["raw"] and s3["prefix"] == "teams/recsys/kafka/clicks/", stream.name
    assert s3["kmsKeyArn"] == prod_plan.outputs["data_lake_kms_key_arn"], f"{stream.name} must encrypt with the lake key"
    assert policy.urn in stream.dependencies, f"{stream.name} must wait for the cluster policy"
    role = _statements(prod_plan.get(ROLE_POLICY, "kafka-recsys-clicks-to-lake"))
    assert role["WriteTopicPrefix"]["Resource"] == [
        f"{lake['raw']}/teams/recsys/kafka/clicks/*",
        f"{lake['raw']}/teams/recsys/kafka-errors/clicks/*",
    ]
    assert role["Topic"]["Resource"] == [resource_arn(prod_plan.outputs["kafka_cluster_arn"], "topic", "recsys.clicks")]
    assert role["EncryptWithLakeKey"]["Resource"] == [prod_plan.outputs["data_lake_kms_key_arn"]]
    # The lake uses S3 Bucket Keys: KMS sees the bucket's ARN as the encryption context, so a
    # condition naming only object ARNs would deny every delivery.
    assert role["EncryptWithLakeKey"]["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == [
        lake["raw"],
        f"{lake['raw']}/teams/recsys/kafka/clicks/*",
        f"{lake['raw']}/teams/recsys/kafka-errors/clicks/*",
    ]
    sse = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    raw_name = prod_plan.outputs["data_lake_buckets"]["raw"]
    (raw_sse,) = [b for b in prod_plan.of_type(sse) if b.inputs["bucket"] == raw_name]
    assert raw_sse.inputs["rules"][0]["bucketKeyEnabled"] is True, "the premise: the raw bucket uses a bucket key"


def test_msk_outputs_per_team(prod_plan: Plan) -> None:
    teams = prod_plan.outputs["kafka_teams"]
    assert teams["vision"]["auth"] == "AWS_MSK_IAM" and teams["vision"]["topic_prefix"] == "vision."
    assert teams["vision"]["bootstrap_servers"] == prod_plan.outputs["kafka_bootstrap_servers"]
    assert teams["vision"]["bootstrap_servers"].endswith(":9098") and teams["vision"]["role_name"].startswith("team-vision")


# -- Strimzi -----------------------------------------------------------------------------------
def test_strimzi_operator_release_is_pinned(dev_plan: Plan) -> None:
    release = dev_plan.get("kubernetes:helm.sh/v3:Release", "kafka-operator-release")
    inputs = release.inputs
    assert (inputs["chart"], inputs["version"], inputs["repositoryOpts"]["repo"]) == (
        "strimzi-kafka-operator",
        "1.2.0",
        "https://strimzi.io/charts/",
    )
    assert inputs["namespace"] == "kafka" and inputs["values"]["watchNamespaces"] == [], release.name
    namespace = dev_plan.get("kubernetes:core/v1:Namespace", "kafka-operator-namespace")
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_every_strimzi_object_of_the_plan_matches_the_v1_schema(dev_plan: Plan) -> None:
    objects = [r for r in dev_plan.resources if r.type.startswith("kubernetes:kafka.strimzi.io/")]
    assert {r.type.split(":")[-1] for r in objects} == {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
    release = dev_plan.get("kubernetes:helm.sh/v3:Release", "kafka-operator-release")
    kafka = dev_plan.get(CR("Kafka"), "kafka-kafka")
    assert release.urn in kafka.dependencies, "the Kafka waits for the operator (its CRDs)"
    for r in objects:
        kind = r.type.split(":")[-1]
        schema = json.loads((SCHEMAS / f"{kind.lower()}.schema.json").read_text(encoding="utf-8"))
        jsonschema.validate(r.inputs, schema)
        assert release.urn in r.dependencies or kafka.urn in r.dependencies, f"{r.name} must wait for the operator (its CRDs)"
        assert r.inputs["apiVersion"] == "kafka.strimzi.io/v1", r.name


def test_strimzi_kafka_is_tls_only_with_authorization_and_kraft_pools(dev_plan: Plan) -> None:
    kafka = dev_plan.get(CR("Kafka"), "kafka-kafka")
    spec = kafka.inputs["spec"]["kafka"]
    assert [(listener["tls"], listener["authentication"]["type"]) for listener in spec["listeners"]] == [(True, "scram-sha-512")]
    assert spec["authorization"] == {"type": "simple"} and spec["version"] == "4.3.1"
    assert "zookeeper" not in kafka.inputs["spec"] and not kafka.inputs["metadata"].get("annotations"), kafka.name
    assert spec["config"]["min.insync.replicas"] == 1, "dev: one node"
    (pool,) = dev_plan.of_type(CR("KafkaNodePool"))
    assert pool.inputs["spec"]["roles"] == ["broker", "controller"], "dev runs one dual-role pool"
    volume = pool.inputs["spec"]["storage"]["volumes"][0]
    assert volume["class"] == "mlinfra-gp3-encrypted" and volume["deleteClaim"] is False, pool.name
    storage_class = dev_plan.get("kubernetes:storage.k8s.io/v1:StorageClass", "gp3-encrypted")
    assert storage_class.inputs["parameters"]["encrypted"] == "true", storage_class.name


def test_strimzi_users_acls_and_credentials(dev_plan: Plan) -> None:
    user = dev_plan.get(CR("KafkaUser"), "kafka-vision-user")
    acls = {
        (a["resource"]["type"], a["resource"]["name"], a["resource"]["patternType"]): a["operations"]
        for a in user.inputs["spec"]["authorization"]["acls"]
    }
    assert acls[("topic", "vision.", "prefix")] == ["Describe", "DescribeConfigs", "Read", "Write"]
    assert acls[("topic", "recsys.orders", "literal")] == ["Describe", "Read"]
    assert ("topic", "recsys.", "prefix") not in acls, "no access to another team's prefix"
    credentials = dev_plan.get("kubernetes:core/v1:Secret", "kafka-vision-credentials")
    assert credentials.inputs["metadata"] == {"labels": {"team": "vision"}, "name": "kafka-credentials", "namespace": "vision"}
    assert type(credentials.inputs["stringData"]).__name__ == "Secret", "the password is a Pulumi secret, never plain"
    data = unwrap_secrets(credentials.inputs["stringData"])
    assert data["security.protocol"] == "SASL_SSL" and data["username"] == "team-vision"
    assert data["password"] in data["sasl.jaas.config"]
    assert data["password"] not in json.dumps(dev_plan.to_preview_json()), "no password in the preview JSON"
    # The CA is a copy in the team's own namespace (tests/components/kafka/test_team_secrets.py).
    assert data["ca.secret"] == "mlinfra-cluster-ca-cert" and "user.secret" not in data, credentials.name
    egress = dev_plan.get("kubernetes:networking.k8s.io/v1:NetworkPolicy", "kafka-vision-egress")
    (rule,) = egress.inputs["spec"]["egress"]
    assert rule["ports"] == [{"port": 9093, "protocol": "TCP"}], egress.name
    assert dev_plan.outputs["kafka_teams"]["vision"]["secret_name"] == "kafka-credentials"
