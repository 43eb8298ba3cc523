import type { webApi } from '@slack/bolt';
import type { Lang } from '../../i18n/types.js';

export type LangResolver = (client: webApi.WebClient, userId: string) => Promise<Lang>;
