/**
 * dostream SDK: `import { Topic, Producer, Consumer, ConsumerGroup, AdminClient } from 'dostream/db/stream'`.
 * Runs in Node >= 20 and in Workers (fetch, or a StreamService service binding).
 */
export { configure, type ClientOptions, type ConnectionOptions } from "./connection.js";
export { Stream } from "./stream.js";
export { AdminClient, type CreateTopicOptions } from "./admin.js";
export { Topic, type TopicOptions } from "./topic.js";
export { Producer, type Partitioner, type ProducerOptions } from "./producer/producer.js";
export { Consumer } from "./consumer/consumer.js";
export type { CommittedOffset, ConsumerEvents, ConsumerOptions } from "./consumer/options.js";
export { ConsumerGroup, type ConsumerGroupOptions, type GroupMember, type GroupMemberInfo, type GroupRebalanceEvent } from "./group.js";
export { Kafka, type KafkaConfig } from "./kafka/kafka.js";
export type { KafkaConsumer, KafkaConsumerConfig, EachBatchPayload, EachMessagePayload, RunConfig } from "./kafka/consumer.js";
export type { KafkaProducer, KafkaProducerConfig, KafkaMessage, KafkaRecordMetadata } from "./kafka/producer.js";
export type { KafkaAdmin } from "./kafka/admin.js";
export { parseDuration } from "./duration.js";
export { streamEvents, type LiveRecord, type StreamEventsOptions } from "./events.js";
export type { Compatibility, SchemaChange, SchemaDiscovery, SchemaField, SchemaRegistration, SchemaVersion, SchemaVersionSummary } from "./schema.js";
export {
  StreamError,
  UnknownTopicError,
  TopicExistsError,
  OffsetOutOfRangeError,
  MessageTooLargeError,
  RecordListTooLargeError,
  InvalidConfigError,
  InvalidRequestError,
  IllegalGenerationError,
  RebalanceInProgressError,
  UnknownMemberError,
  FencedInstanceError,
  GroupNotFoundError,
  NonEmptyGroupError,
  PartitionNotAssignedError,
  InvalidRecordError,
  NetworkError,
  ClientClosedError,
  type ErrorCode,
} from "./errors.js";
export { HttpTransport, type HttpTransportOptions, type FetchFn } from "./transport/http.js";
export { BindingTransport, type StreamServiceBinding } from "./transport/binding.js";
export type {
  Transport,
  TopicInfo,
  TopicSummary,
  TopicDescription,
  PartitionOffsets,
  GroupDescription,
  GroupSummary,
  PartitionLag,
  ResetTarget,
} from "./transport/types.js";
export type {
  Header,
  Message,
  ProduceMessage,
  RecordMetadata,
  TopicPartition,
  TopicPartitionOffset,
  RebalanceEvent,
  RebalanceStrategy,
  AutoOffsetReset,
  Compression,
} from "./types.js";
