/**
 * The AWS SDK's notice about the Node.js version. SDK releases after the first week of January 2027
 * need Node >= 22; on an older Node the SDK prints a multi-line process warning the first time a
 * client is created, which made every CLI run that reads CloudWatch print it. The SDK's documented
 * switch is the environment variable below: redis-medic sets it unless the operator set it, and
 * `serve` says it once, as a log line, on an older Node (the Docker image runs Node 22).
 */

/** The variable the SDK reads before it warns (`true` turns the warning off). */
export const SDK_NODE_WARNING_ENV = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/** The Node major version SDK releases after the first week of January 2027 require. */
export const SDK_MIN_NODE_MAJOR = 22;

/** Turns the SDK's per-process warning off, unless the environment already decides it. */
export function quietSdkNodeWarning(env: NodeJS.ProcessEnv = process.env): void {
  if (env[SDK_NODE_WARNING_ENV] === undefined) env[SDK_NODE_WARNING_ENV] = 'true';
}

/** Whether `version` (`v20.11.1`) is older than the Node the next SDK releases need. */
export function belowSdkNodeMajor(version: string = process.version): boolean {
  return Number(/^v?(\d+)/.exec(version)?.[1] ?? 0) < SDK_MIN_NODE_MAJOR;
}
