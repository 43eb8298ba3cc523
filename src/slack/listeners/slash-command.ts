import type { AllMiddlewareArgs, Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { ClusterConfig } from '../../config/types.js';
import { commandHelpMessage, type HelpTopic } from '../blocks/help.js';
import { type ArgsShape, parseClusterArgs } from '../cluster-args.js';
import type { SlackServices } from '../services.js';
import type { PersonContext } from './types.js';

/** A slash command's arguments: the help topic it answers with, and what follows the cluster. */
export interface CommandSpec extends ArgsShape {
  help: HelpTopic;
}

/** The cluster a command acts on: every cluster (`undefined`) only where the command takes `all`. */
type Target<S extends CommandSpec> = S['all'] extends true ? ClusterConfig | undefined : ClusterConfig;

/** What a command's own code gets: Bolt's arguments (acked, `context.lang` / `t` set) and its target. */
export type CommandRequest<S extends CommandSpec> = SlackCommandMiddlewareArgs &
  AllMiddlewareArgs<PersonContext> & { cluster: Target<S>; rest: string[] };

/**
 * A slash command listener whose `[cluster] …` is parsed in one place: help, an unknown cluster or
 * extra words get the localized ephemeral help and stop; otherwise `run` gets the cluster.
 */
export function clusterCommand<S extends CommandSpec>(
  s: SlackServices,
  spec: S,
  run: (req: CommandRequest<S>) => Promise<void>,
): Middleware<SlackCommandMiddlewareArgs, PersonContext> {
  return async (req) => {
    const { command, context, respond } = req;
    const args = parseClusterArgs(command.text, s.config, command.channel_id, spec);
    if (args.kind === 'help') {
      await respond({
        response_type: 'ephemeral',
        ...commandHelpMessage(context.t, s.config, command.channel_id, {
          command: spec.help,
          problemKey: args.problemKey,
          problemValues: args.problemValues,
        }),
      });
      return;
    }
    const cluster = (args.kind === 'cluster' ? args.cluster : undefined) as Target<S>;
    await run({ ...req, cluster, rest: args.rest });
  };
}
