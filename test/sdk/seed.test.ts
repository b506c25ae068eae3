import { describe, expect, it } from "vitest";
import { Topic } from 'dostream/db/stream'
import { Consumer } from 'dostream/db/stream'
import { ConsumerGroup } from 'dostream/db/stream'
import { Stream, Producer, Consumer as ApiConsumer, AdminClient } from 'dostream/db/stream'
import { useEngine } from "./engine";

// The seed's examples (seeds/003), verbatim except the import path. Lines marked "test:" are
// not from the seed: definitions the examples assume (OrderEvent, processOrder) and assertions.
// The seed writes `value: { ... }` in produceBatch, which is not JavaScript; those two values are filled in.
useEngine();

interface OrderEvent { customerId: string; total: number } // test:
const admin = () => new AdminClient(); // test:

describe("seed examples", () => {
  it("Topic: create on first use, produce, produce batch", async () => {
const orders = new Topic<OrderEvent>('orders', {
  partitions: 8,
  retention: '7d',
  compaction: false,  // Keep all messages
})

// Produce message
await orders.produce({
  key: 'order_123',  // Determines partition
  value: { customerId: 'cust_1', total: 99.99 },
  headers: { source: 'checkout' },
})

// Produce batch
await orders.produceBatch([
  { key: 'order_124', value: { customerId: 'cust_2', total: 5 } },
  { key: 'order_125', value: { customerId: 'cust_3', total: 7.5 } },
])

    const d = await admin().describeTopic("orders"); // test:
    expect(d.partitions).toBe(8);
    expect(d.config["retention.ms"]).toBe(7 * 24 * 60 * 60 * 1000);
    expect(d.config["cleanup.policy"]).toBe("delete");
    expect(d.partitionOffsets.reduce((n, p) => n + p.latestOffset, 0)).toBe(3);
  });

  it("Consumer: for-await with auto-commit, then with manual commit", async () => {
    const seen: unknown[] = []; // test: processOrder closes the consumer once the expected orders are in
    let expected = 3;
    let current: Consumer | null = null;
    async function processOrder(value: unknown) {
      seen.push(value);
      if (seen.length === expected) setTimeout(() => void current!.close());
    }

    {
const consumer = new Consumer('orders', {
  groupId: 'order-processor',
  autoCommit: true,
  autoCommitInterval: 5000,
})

// Subscribe to topic
await consumer.subscribe('orders')
      current = consumer; // test:

// Consume messages
for await (const message of consumer) {
  await processOrder(message.value)
  // Auto-commit on next iteration
}
    }
    expect(seen).toHaveLength(3); // test: all three, and all three committed on close
    const lag = await admin().groupOffsets("order-processor", "orders");
    expect(lag.reduce((n, p) => n + (p.lag ?? 0), 0)).toBe(0);
    expect(lag.reduce((n, p) => n + (p.committedOffset ?? 0), 0)).toBe(3);

    await new Topic<OrderEvent>("orders").produceBatch([{ key: "order_126", value: { customerId: "c", total: 1 } }, { key: "order_127", value: { customerId: "d", total: 2 } }]); // test:
    seen.length = 0;
    expected = 2;
    {
const consumer = new Consumer('orders', {
  groupId: 'order-processor',
  autoCommit: true,
  autoCommitInterval: 5000,
})

// Subscribe to topic
await consumer.subscribe('orders')
      current = consumer; // test:

// Or manual commit
for await (const message of consumer) {
  await processOrder(message.value)
  await consumer.commit(message.offset)
}
    }
    expect(seen).toHaveLength(2); // test: only the two new orders: the group resumed after its commits
    expect(seen).toEqual(expect.arrayContaining([{ customerId: "c", total: 1 }, { customerId: "d", total: 2 }]));
    const after = await admin().groupOffsets("order-processor", "orders");
    expect(after.reduce((n, p) => n + (p.committedOffset ?? 0), 0)).toBe(5);
  });

  it("ConsumerGroup: range assignment and rebalance events", async () => {
    const events: unknown[] = []; // test:
    // test: the previous example's consumer closes without being awaited; let its leave land first, else it folds into consumer-2's generation
    await expect.poll(async () => (await admin().describeGroup("order-processor")).members.length, { timeout: 20_000 }).toBe(0); // test:
const group = new ConsumerGroup('order-processor', {
  topics: ['orders'],
  rebalanceStrategy: 'range',  // or 'roundRobin'
})

// Group coordinates partition assignment
// Consumer 1 gets partitions 0-3
// Consumer 2 gets partitions 4-7

// Handle rebalance
group.on('rebalance', (assignment) => {
  console.log('Assigned partitions:', assignment)
  events.push(assignment) // test:
})

    // test: two members split the 8 partitions 0-3 / 4-7
    const one = await group.join("consumer-1");
    const two = await group.join("consumer-2");
    const parts = (m: typeof one) => m.topicPartitions.map((tp) => tp.partition).sort((a, b) => a - b);
    await expect.poll(() => parts(two), { timeout: 20_000 }).toHaveLength(4);
    await expect.poll(() => parts(one), { timeout: 20_000 }).toHaveLength(4);
    expect([parts(one), parts(two)].sort((a, b) => a[0] - b[0])).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(events).toContainEqual(expect.objectContaining({ type: "assigned", memberId: "consumer-1" }));
    expect(events).toContainEqual(expect.objectContaining({ type: "revoked", memberId: "consumer-1" }));
    await group.close();
  });

  it("API: admin, producer, consumer with seek", async () => {
// Admin operations
const admin = new AdminClient()

await admin.createTopic('events', {
  partitions: 4,
  replicationFactor: 1,  // DO-local only
  config: {
    'retention.ms': 7 * 24 * 60 * 60 * 1000,
    'cleanup.policy': 'delete',  // or 'compact'
  }
})

await admin.listTopics()
await admin.describeTopic('events')
await admin.deleteTopic('events')

// Producer with partitioner
const producer = new Producer({
  partitioner: 'murmur2',  // Kafka-compatible
  compression: 'gzip',
  batchSize: 100,
  lingerMs: 10,
})

    // test: 'events' was just deleted, and a Producer does not create topics (issue 14): the seed's send rejects
    await expect( // test:
producer.send('events', {
  key: 'user_123',
  value: { action: 'login', timestamp: Date.now() },
})
    ).rejects.toThrow(/topic 'events' not found/); // test:
    await admin.createTopic("events"); // test:
    await producer.send("events", { key: "user_123", value: { action: "login", timestamp: Date.now() } }); // test:

// Consumer with seek
const consumer = new ApiConsumer('events', { groupId: 'analytics' })

await consumer.seekToBeginning()  // Replay from start
await consumer.seekToEnd()        // Skip to latest
await consumer.seek({ partition: 0, offset: 1000 })  // Specific offset

    // test: the consumer reads the re-created topic:
    // offset 1000 is out of range, so autoOffsetReset ('earliest') applies to partition 0.
    expect(typeof Stream).toBe("function");
    const m = await consumer.poll({ timeout: 10_000 });
    expect(m).toMatchObject({ topic: "events", partition: 0, offset: 0, key: "user_123", value: { action: "login" } });
    await consumer.close();
  });

  it("Compacted topics", async () => {
// Compacted topic keeps only latest value per key
const userProfiles = new Topic<UserProfile>('user-profiles', {
  compaction: true,
  minCleanableDirtyRatio: 0.5,
})

// Multiple updates to same key
await userProfiles.produce({ key: 'user_1', value: { name: 'Alice' } })
await userProfiles.produce({ key: 'user_1', value: { name: 'Alice Smith' } })

    const d = await admin().describeTopic("user-profiles"); // test:
    expect(d.config).toMatchObject({ "cleanup.policy": "compact", "min.cleanable.dirty.ratio": 0.5 });
    expect(userProfiles).toMatchObject({ name: "user-profiles", compaction: true, minCleanableDirtyRatio: 0.5, partitions: 1 });
  });
});

interface UserProfile { name: string } // test:
