/**
 * The AWS clients of the burst hunt (CloudWatch Logs, EventBridge, ECS), tuned like the status
 * clients: short timeouts, the outbound proxy settings, our own retry for throttling.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ProxyAwareHttpHandler } from '../net/agents.js';
import type { ProxySettings } from '../net/proxy.js';
import { quietSdkNodeWarning } from './node-version.js';

export interface BurstAwsClients {
  logs: CloudWatchLogsClient;
  events: EventBridgeClient;
  ecs: ECSClient;
}

export function createBurstAwsClients(region: string, opts: { proxy?: ProxySettings } = {}): BurstAwsClients {
  const handlerOptions = { requestTimeout: 5_000, connectionTimeout: 1_000 };
  const config = () => ({
    region,
    maxAttempts: 2,
    requestHandler: opts.proxy ? new ProxyAwareHttpHandler(handlerOptions, opts.proxy) : handlerOptions,
  });
  quietSdkNodeWarning();
  return {
    logs: new CloudWatchLogsClient(config()),
    events: new EventBridgeClient(config()),
    ecs: new ECSClient(config()),
  };
}
