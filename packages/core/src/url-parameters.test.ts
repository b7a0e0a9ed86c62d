import { describe, expect, it } from "vitest";
import { backendFromUrl } from "./backend-url.js";
import { checkUrlParameters } from "./url-parameters.js";

describe("a backend URL's parameters are read or refused, never ignored in silence", () => {
  it("without a driver reading the rest, any parameter not known is refused, naming it and the known ones", () => {
    const check = (text: string) => () => checkUrlParameters(new URL(text), ["topicPrefix", "createTopics"], "pubsub:");
    expect(check("pubsub://p?topicPrefix=a-&createTopics=false")).not.toThrow();
    expect(check("pubsub://p?topicprefix=a-")).toThrow(/^url\.topicprefix: is not a pubsub:\/\/ URL parameter \(use topicPrefix, createTopics\)$/);
    expect(check("pubsub://p?verbose=1")).toThrow(/^url\.verbose: /);
  });

  it("with a driver reading the rest (ioredis, node-postgres), only a near miss of ours is refused, saying which was meant", () => {
    const check = (text: string) => () => checkUrlParameters(new URL(text), ["keyPrefix", "allowEviction", "compactLeases"], "redis:", "ioredis");
    for (const near of ["keyprefix", "key_prefix", "KEY-PREFIX", "keyPrefx", "kyePrefix", "allow_eviction", "compactLease"]) {
      expect(check(`redis://h?${near}=x`)).toThrow(new RegExp(`^url\\.${near}: is not a redis:// URL parameter: did you mean (keyPrefix|allowEviction|compactLeases)\\? \\(other parameters go to ioredis as its own options\\)$`));
    }
    // The driver's own, far from ours, pass on to it.
    for (const own of ["family", "db", "connectTimeout", "tls", "prefix"]) expect(check(`redis://h?${own}=1`)).not.toThrow();
    const schema = (text: string) => () => checkUrlParameters(new URL(text), ["schema"], "postgres:", "node-postgres");
    expect(schema("postgres://h/d?shema=x")).toThrow(/^url\.shema: .*did you mean schema\?/);
    expect(schema("postgres://h/d?Schema=x")).toThrow(/did you mean schema\?/);
    for (const own of ["sslmode", "application_name", "options", "connect_timeout", "ssl", "sslcert", "host"]) expect(schema(`postgres://h/d?${own}=1`)).not.toThrow();
  });

  it("memory:// takes none", async () => {
    await expect(backendFromUrl("memory://x?store=y")).rejects.toThrow(/^url\.store: is not a memory:\/\/ URL parameter \(memory:\/\/ URLs take none\)$/);
    await expect(backendFromUrl("memory://url-parameters-test")).resolves.toMatchObject({ name: "memory" });
  });
});
