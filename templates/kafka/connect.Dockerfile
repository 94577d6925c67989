# Kafka Connect image for mlinfra's Strimzi lake delivery (mlinfra:kafka.strimzi.connect_image).
#
# Built outside the cluster (CI, a workstation), pushed to your registry, then pinned in the
# stack file: Strimzi's in-cluster build (KafkaConnect spec.build) cannot run under the
# restricted Pod Security profile the platform enforces, and an ECR push token expires after
# 12 hours. The steps are the ones Strimzi 1.2.0 itself generates for a `zip` plugin artifact
# (cluster-operator/src/main/java/io/strimzi/operator/cluster/model/KafkaConnectDockerfile.java,
# addZipArtifact): download, check the SHA-512, unpack under /opt/kafka/plugins/<plugin>/, drop
# symlinks.
#
# The plugins: exactly CONNECT_PLUGINS in components/kafka/_strimzi_connect.py (a test keeps
# them in step), each with two build arguments, <NAME>_URL and <NAME>_SHA512:
#   s3-sink   io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector
#             https://github.com/Aiven-Open/cloud-storage-connectors-for-apache-kafka/releases
#
#   docker build -f templates/kafka/connect.Dockerfile \
#     --build-arg S3_SINK_URL=https://github.com/Aiven-Open/.../s3-sink-connector-for-apache-kafka-<version>.zip \
#     --build-arg S3_SINK_SHA512=<sha512sum of that archive> \
#     -t <registry>/mlinfra/kafka-connect:<tag> .

# The image Strimzi runs Kafka Connect from for operator 1.2.0 and Kafka 4.3.1 (the chart's
# STRIMZI_KAFKA_CONNECT_IMAGES); it must match KafkaConnect spec.version.
FROM quay.io/strimzi/kafka:1.2.0-kafka-4.3.1

ARG S3_SINK_URL
ARG S3_SINK_SHA512

USER root:root

# Connector plugin s3-sink
RUN test -n "${S3_SINK_URL}" && test -n "${S3_SINK_SHA512}" \
    && mkdir -p /opt/kafka/plugins/s3-sink/archive \
    && curl -f -L --output /opt/kafka/plugins/s3-sink/archive.zip "${S3_SINK_URL}" \
    && echo "${S3_SINK_SHA512} /opt/kafka/plugins/s3-sink/archive.zip" > /opt/kafka/plugins/s3-sink/archive.zip.sha512 \
    && sha512sum -c /opt/kafka/plugins/s3-sink/archive.zip.sha512 \
    && rm -f /opt/kafka/plugins/s3-sink/archive.zip.sha512 \
    && unzip /opt/kafka/plugins/s3-sink/archive.zip -d /opt/kafka/plugins/s3-sink/archive \
    && find /opt/kafka/plugins/s3-sink/archive -type l | xargs rm -f \
    && rm -vf /opt/kafka/plugins/s3-sink/archive.zip

USER 1001
