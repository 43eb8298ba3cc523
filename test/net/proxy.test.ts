import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/cloudwatch-trend.js';
import { describeProxy, ProxyConfigError, proxyFor, proxySettings } from '../../src/net/proxy.js';
import { type DnsGuard, guardDns, type LoopbackProxy, startLoopbackProxy } from '../support/network.js';

const PROXY = 'http://proxy.corp.example:3128';

describe('proxyFor: which requests go through the proxy', () => {
  it('HTTPS_PROXY for https://, HTTP_PROXY for http://; https falls back to HTTP_PROXY as undici does', () => {
    const both = proxySettings({ HTTPS_PROXY: PROXY, HTTP_PROXY: 'http://plain.corp.example:8080' });
    expect(proxyFor('https://slack.com/api/chat.postMessage', both)?.href).toBe(`${PROXY}/`);
    expect(proxyFor('http://example.com/', both)?.href).toBe('http://plain.corp.example:8080/');
    expect(proxyFor('wss://wss-primary.slack.com/link', both)?.href).toBe(`${PROXY}/`);
    const httpOnly = proxySettings({ HTTP_PROXY: PROXY });
    expect(proxyFor('https://slack.com/api/', httpOnly)?.href).toBe(`${PROXY}/`);
    const httpsOnly = proxySettings({ HTTPS_PROXY: PROXY });
    expect(proxyFor('http://example.com/', httpsOnly)).toBeUndefined();
    expect(proxyFor('https://slack.com/api/', proxySettings({}))).toBeUndefined();
  });

  it('lower-case variables win over upper-case ones; a bare host:port means http://', () => {
    const s = proxySettings({ https_proxy: 'lower.example:3128', HTTPS_PROXY: 'http://upper.example:3128' });
    expect(proxyFor('https://slack.com/', s)?.href).toBe('http://lower.example:3128/');
    const noProxy = proxySettings({ HTTPS_PROXY: PROXY, no_proxy: 'slack.com', NO_PROXY: 'other.example' });
    expect(proxyFor('https://slack.com/', noProxy)).toBeUndefined();
    expect(proxyFor('https://other.example/', noProxy)?.href).toBe(`${PROXY}/`);
  });

  it('NO_PROXY: host and subdomains, leading dot or *., port, IPs and CIDR blocks, and *', () => {
    const s = proxySettings({
      HTTPS_PROXY: PROXY,
      NO_PROXY:
        'internal.example, .corp.example *.svc.example api.example:8443,10.0.0.0/8,192.168.1.7,[fd00::1]:443',
    });
    const direct = (url: string) => proxyFor(url, s) === undefined;
    expect(direct('https://internal.example/')).toBe(true);
    expect(direct('https://a.b.internal.example/')).toBe(true);
    expect(direct('https://notinternal.example/')).toBe(false);
    expect(direct('https://x.corp.example/')).toBe(true);
    expect(direct('https://corp.example/')).toBe(true);
    expect(direct('https://x.svc.example/')).toBe(true);
    expect(direct('https://api.example:8443/')).toBe(true);
    expect(direct('https://api.example/')).toBe(false);
    expect(direct('https://10.1.2.3/')).toBe(true);
    expect(direct('https://11.1.2.3/')).toBe(false);
    expect(direct('https://192.168.1.7/')).toBe(true);
    expect(direct('https://[fd00::1]/')).toBe(true);
    expect(direct('https://[fd00::1]:8443/')).toBe(false);
    expect(direct('https://slack.com/')).toBe(false);
    expect(
      proxyFor('https://slack.com/', proxySettings({ HTTPS_PROXY: PROXY, NO_PROXY: '*' })),
    ).toBeUndefined();
  });

  it('loopback, link-local (instance metadata) and the Redis hosts are never proxied', () => {
    const s = proxySettings(
      { HTTPS_PROXY: PROXY, HTTP_PROXY: PROXY },
      { direct: ['redis.internal.example'] },
    );
    for (const url of [
      'http://127.0.0.1:9000/api/',
      'http://127.8.9.10/',
      'http://localhost:3000/',
      'http://app.localhost/',
      'http://[::1]:3000/',
      'http://169.254.169.254/latest/meta-data/',
      'http://169.254.170.2/v2/credentials',
      'https://redis.internal.example:6380/',
    ]) {
      expect(proxyFor(url, s), url).toBeUndefined();
    }
    expect(s.noProxy).toEqual([
      'localhost',
      '127.0.0.0/8',
      '::1',
      '169.254.0.0/16',
      'fe80::/10',
      'redis.internal.example',
    ]);
  });

  it('the start-up description carries no credentials; a bad proxy URL names its variable only', () => {
    const s = proxySettings({
      HTTPS_PROXY: 'http://medic:s3cret@proxy.corp.example:3128',
      NO_PROXY: '.corp.example',
    });
    const described = describeProxy(s);
    expect(described.httpsProxy).toBe('http://***@proxy.corp.example:3128/');
    expect(JSON.stringify(described)).not.toContain('s3cret');
    expect(JSON.stringify(described)).not.toContain('medic');
    expect(described.noProxy[0]).toBe('.corp.example');
    expect(() => proxySettings({ HTTPS_PROXY: 'socks5://medic:s3cret@proxy:1080' })).toThrow(
      ProxyConfigError,
    );
    try {
      proxySettings({ HTTPS_PROXY: 'socks5://medic:s3cret@proxy:1080' });
    } catch (err) {
      expect((err as ProxyConfigError).variable).toBe('HTTPS_PROXY');
      expect((err as Error).message).not.toContain('s3cret');
    }
  });
});

describe('AWS SDK clients behind a proxy', () => {
  let proxy: LoopbackProxy;
  let dns: DnsGuard | undefined;
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' };

  beforeAll(async () => {
    // A proxy that answers every CONNECT with 502: nothing leaves the machine, the SDK call fails,
    // and the proxy's log shows where the client wanted to go.
    proxy = await startLoopbackProxy();
  });
  afterEach(() => {
    dns?.restore();
    dns = undefined;
    proxy.requests.length = 0;
  });
  afterAll(async () => {
    await proxy?.close();
  });

  const metricData = new GetMetricDataCommand({
    MetricDataQueries: [],
    StartTime: new Date(Date.now() - 60_000),
    EndTime: new Date(),
  });

  it('with HTTPS_PROXY, CloudWatch and ElastiCache requests are tunnelled through it', async () => {
    dns = guardDns();
    const clients = createAwsClients('us-east-1', {
      proxy: proxySettings({ HTTPS_PROXY: proxy.url }),
      credentials,
    });
    await expect(clients.cloudwatch.send(metricData)).rejects.toThrow();
    await expect(clients.elasticache.send(new DescribeReplicationGroupsCommand({}))).rejects.toThrow();
    const targets = proxy.connectTargets();
    expect(targets).toContain('monitoring.us-east-1.amazonaws.com:443');
    expect(targets).toContain('elasticache.us-east-1.amazonaws.com:443');
    // The client never looked the AWS names up itself: the proxy resolves them.
    expect(dns.lookups).toEqual([]);
  });

  it('an endpoint in NO_PROXY connects directly (and the other one still uses the proxy)', async () => {
    dns = guardDns();
    const clients = createAwsClients('us-east-1', {
      proxy: proxySettings({ HTTPS_PROXY: proxy.url, NO_PROXY: 'monitoring.us-east-1.amazonaws.com' }),
      credentials,
    });
    await expect(clients.cloudwatch.send(metricData)).rejects.toThrow();
    await expect(clients.elasticache.send(new DescribeReplicationGroupsCommand({}))).rejects.toThrow();
    expect(proxy.connectTargets()).not.toContain('monitoring.us-east-1.amazonaws.com:443');
    expect(proxy.connectTargets()).toContain('elasticache.us-east-1.amazonaws.com:443');
    // Direct means the client resolves the name itself (the guard refuses, so nothing leaves).
    expect(dns.lookups).toContain('monitoring.us-east-1.amazonaws.com');
    expect(dns.lookups).not.toContain('elasticache.us-east-1.amazonaws.com');
  });

  it('without proxy settings, nothing is proxied', async () => {
    dns = guardDns();
    const clients = createAwsClients('eu-west-1', { credentials });
    await expect(clients.cloudwatch.send(metricData)).rejects.toThrow();
    expect(proxy.requests).toEqual([]);
    expect(dns.lookups).toContain('monitoring.eu-west-1.amazonaws.com');
  });
});
