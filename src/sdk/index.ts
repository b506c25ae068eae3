/**
 * dostream SDK: `import { Topic, Producer, Consumer, ConsumerGroup, AdminClient, ExactlyOnceContext } from 'dostream/db/stream'`.
 * Runs in Node >= 20 and in Workers (fetch, or a StreamService service binding).
 */
export { configure, type ClientOptions, type ConnectionOptions } from "./connection.js";
export { Stream } from "./stream.js";
export { AdminClient, type CreateTopicOptions } from "./admin.js";
export { Topic, type TopicOptions } from "./topic.js";
export { Producer, PRODUCER_EVENTS, type Partitioner, type ProducerEvents, type ProducerOptions } from "./producer/producer.js";
export { Consumer } from "./consumer/consumer.js";
export { CONSUMER_EVENTS } from "./consumer/options.js";
export type { CommittedOffset, CommitOffsetsPayload, ConsumerEvents, ConsumerOptions, CrashPayload, GroupJoinPayload, RebalancingPayload } from "./consumer/options.js";
export { ConsumerGroup, type ConsumerGroupOptions, type GroupAssignment, type GroupMember, type GroupMemberInfo, type GroupRebalanceEvent } from "./group.js";
export { ExactlyOnceContext, type CommitTarget, type ExactlyOnceOptions, type Transaction } from "./transaction/context.js";
export type { TransactionalInput } from "./consumer/observers.js";
export { logLevel, type InstrumentationEvent, type LogCreator, type LogEntry, type LogLevel, type LogOptions, type RequestPayload } from "./instrumentation.js";
export type { RetryOptions } from "./retry.js";
export { Kafka, type KafkaConfig } from "./kafka/kafka.js";
export type { KafkaConsumer, KafkaConsumerConfig, EachBatchPayload, EachMessagePayload, RunConfig } from "./kafka/consumer.js";
export type { KafkaProducer, KafkaProducerConfig, KafkaMessage, KafkaRecordMetadata, KafkaTransaction, KafkaOffsets } from "./kafka/producer.js";
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
  IsolationLevel,
  IdempotencyAnswer,
  PartitionFetch,
  MultiFetchOptions,
  PartitionFetchResult,
  MemberReadRequest,
  MemberRead,
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
