import type { z } from "zod";
import type * as W from "../wire";
import type { Same } from "./same";
import type { statsAnswer } from "./core";
import type { compactAnswer, keyAnswer, keyRecordSchema, stateAnswer } from "./compaction";
import type { commitAnswer, groupAnswer, groupListAnswer, groupOffsetsAnswer, memberAnswerSchema, memberRecordsAnswer, partitionLagSchema, resetOffsetsAnswer } from "./groups";
import type { fetchAnswer, fetchedRecordSchema, multiFetchAnswer, partitionPageSchema, produceAnswer, produceResultSchema } from "./records";
import type { listOffsetsAnswer, partitionOffsetsSchema, topicAnswer, topicListAnswer } from "./topics";
import type { claimAnswer, producerAnswer, txnStateAnswer } from "./txn";

/**
 * The SDK's wire types (src/api/wire.ts) are written out as plain interfaces so its published
 * declarations never import zod (the package has no dependencies); this file fails
 * `npm run typecheck` when one of them stops being exactly what its schema outputs.
 */
type Assert<T extends true> = T;
type Out<S extends z.ZodType> = z.output<S>;
/** `member_id` → `memberId`: the binding hands on the engine's camelCase values of the same answers. */
type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
type CamelKeys<T> = { [K in keyof T as Camel<K & string>]: T[K] };

export type WireTypesMatchSchemas = [
  Assert<Same<W.WireFetchedRecord, Out<typeof fetchedRecordSchema>>>,
  Assert<Same<W.WireProduceResult, Out<typeof produceResultSchema>>>,
  Assert<Same<W.WireProduceAnswer, Out<typeof produceAnswer>>>,
  Assert<Same<W.WireFetchAnswer, Out<typeof fetchAnswer>>>,
  Assert<Same<W.WirePartitionPage, Out<typeof partitionPageSchema>>>,
  Assert<Same<W.WireMultiFetchAnswer, Out<typeof multiFetchAnswer>>>,
  Assert<Same<W.WirePartitionOffsets, Out<typeof partitionOffsetsSchema>>>,
  Assert<Same<W.WireStatsAnswer, Out<typeof statsAnswer>>>,
  Assert<Same<W.WireTopicAnswer, Out<typeof topicAnswer>>>,
  Assert<Same<W.WireTopicListAnswer, Out<typeof topicListAnswer>>>,
  Assert<Same<W.WireListOffsetsAnswer, Out<typeof listOffsetsAnswer>>>,
  Assert<Same<W.WireMemberAnswer, Out<typeof memberAnswerSchema>>>,
  Assert<Same<W.WireMemberRecordsAnswer, Out<typeof memberRecordsAnswer>>>,
  Assert<Same<W.WireGroupListAnswer, Out<typeof groupListAnswer>>>,
  Assert<Same<W.WireGroupAnswer, Out<typeof groupAnswer>>>,
  Assert<Same<W.WirePartitionLag, Out<typeof partitionLagSchema>>>,
  Assert<Same<W.WireGroupOffsetsAnswer, Out<typeof groupOffsetsAnswer>>>,
  Assert<Same<W.WireResetOffsetsAnswer, Out<typeof resetOffsetsAnswer>>>,
  Assert<Same<W.WireCommitAnswer, Out<typeof commitAnswer>>>,
  Assert<Same<W.WireProducerAnswer, Out<typeof producerAnswer>>>,
  Assert<Same<W.WireTxnStateAnswer, Out<typeof txnStateAnswer>>>,
  Assert<Same<W.WireClaimAnswer, Out<typeof claimAnswer>>>,
  Assert<Same<W.WireCompactAnswer, Out<typeof compactAnswer>>>,
  Assert<Same<W.WireKeyRecord, Out<typeof keyRecordSchema>>>,
  Assert<Same<W.WireKeyAnswer, Out<typeof keyAnswer>>>,
  Assert<Same<W.WireStateAnswer, Out<typeof stateAnswer>>>,
  // The camelCase answers of the binding (and the SDK's MemberAnswer, PartitionLag) name the same fields.
  Assert<Same<Required<W.MemberAnswer>, CamelKeys<Out<typeof memberAnswerSchema>>>>,
  Assert<Same<W.PartitionLag, CamelKeys<Out<typeof partitionLagSchema>>>>,
  Assert<Same<W.BindingTopic, Omit<CamelKeys<Out<typeof topicAnswer>>, "partitionOffsets">>>,
];
