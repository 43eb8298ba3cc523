// Which error names the real SDK deserializers produce, so classifyAwsError matches what AWS
// sends rather than what we assume. No network: a fake request handler answers every request.
import { Readable } from 'node:stream';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { awsErrorName, classifyAwsError } from '../../src/aws/errors.js';

function answering(statusCode: number, headers: Record<string, string>, body: string) {
  return {
    handle: async () => ({ response: { statusCode, headers, body: Readable.from([Buffer.from(body)]) } }),
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' };

async function cloudwatchError(
  statusCode: number,
  headers: Record<string, string>,
  body: object,
): Promise<unknown> {
  const client = new CloudWatchClient({
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: answering(
      statusCode,
      { 'content-type': 'application/x-amz-json-1.0', ...headers },
      JSON.stringify(body),
    ),
  });
  return client
    .send(
      new GetMetricDataCommand({ MetricDataQueries: [], StartTime: new Date(0), EndTime: new Date(60_000) }),
    )
    .then(
      () => undefined,
      (err: unknown) => err,
    );
}

async function elasticacheError(statusCode: number, code: string): Promise<unknown> {
  const body = `<ErrorResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><Error><Type>Sender</Type><Code>${code}</Code><Message>User: arn:aws:iam::123456789012:user/bot is not authorized</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;
  const client = new ElastiCacheClient({
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: answering(statusCode, { 'content-type': 'text/xml' }, body),
  });
  return client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'x' })).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('SDK error names (CloudWatch JSON 1.0, query-compatible)', () => {
  it('is the query code when AWS sends x-amzn-query-error', async () => {
    const err = await cloudwatchError(
      400,
      { 'x-amzn-query-error': 'AccessDenied;Sender' },
      { __type: 'com.amazon.coral.service#AccessDeniedException', message: 'not authorized' },
    );
    expect(awsErrorName(err)).toBe('AccessDenied');
    expect(classifyAwsError(err)).toBe('access_denied');
  });

  it('is the JSON __type otherwise', async () => {
    const denied = await cloudwatchError(
      400,
      {},
      { __type: 'com.amazon.coral.service#AccessDeniedException' },
    );
    expect(awsErrorName(denied)).toBe('AccessDeniedException');
    expect(classifyAwsError(denied)).toBe('access_denied');
    const throttled = await cloudwatchError(
      400,
      {},
      { __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate exceeded' },
    );
    expect(awsErrorName(throttled)).toBe('ThrottlingException');
    expect(classifyAwsError(throttled)).toBe('throttled');
  });

  it('classifies query-code throttling too', async () => {
    const err = await cloudwatchError(
      400,
      { 'x-amzn-query-error': 'Throttling;Sender' },
      { message: 'Rate exceeded' },
    );
    expect(classifyAwsError(err)).toBe('throttled');
  });
});

describe('SDK error names (ElastiCache XML query)', () => {
  it.each([
    [403, 'AccessDenied', 'access_denied'],
    [400, 'Throttling', 'throttled'],
    [404, 'ReplicationGroupNotFoundFault', 'not_found'],
    [403, 'InvalidClientTokenId', 'bad_credentials'],
  ])('HTTP %i %s is %s', async (status, code, kind) => {
    const err = await elasticacheError(status, code);
    expect(awsErrorName(err)).toBe(code);
    expect(classifyAwsError(err)).toBe(kind);
  });
});

describe('missing credentials', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('surface from the default provider chain as CredentialsProviderError', async () => {
    // Empty environment, no credential files, and IMDS off so nothing reaches for the network.
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      vi.stubEnv(name, undefined);
    }
    for (const name of ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', undefined);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/redis-medic/credentials');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/redis-medic/config');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const client = new CloudWatchClient({
      region: 'us-east-1',
      maxAttempts: 1,
      requestHandler: answering(200, {}, '{}'),
    });
    const err = await client
      .send(
        new GetMetricDataCommand({
          MetricDataQueries: [],
          StartTime: new Date(0),
          EndTime: new Date(60_000),
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(awsErrorName(err)).toBe('CredentialsProviderError');
    expect(classifyAwsError(err)).toBe('no_credentials');
  });
});
