// Keyword routing: regex families per queue, scored by weight. Pure and fast;
// the LLM is asked only when this is unsure.
import type { QueueName } from '@agentops/core';

interface KeywordPattern {
  /** Shown in logs and receipts; `null` means "use the matched text" (e.g. ".ts"). */
  label: string | null;
  pattern: RegExp;
  /** 2 for signals that alone make a decision (a stack trace, a GitHub URL). */
  weight: 1 | 2;
}

const p = (label: string | null, pattern: RegExp, weight: 1 | 2 = 1): KeywordPattern => ({ label, pattern, weight });

const EXTENSIONS =
  'tsx?|jsx?|mjs|cjs|py|go|rs|java|kt|rb|php|cs|cpp|cc|hpp|swift|scala|sql|sh|bash|ps1|ya?ml|toml|json|css|scss|html|vue|svelte|lock|gradle|tf|proto|ipynb|dockerfile';

export const KEYWORD_FAMILIES: Record<QueueName, readonly KeywordPattern[]> = {
  code: [
    p('repo', /\brepo(?:s|sitor(?:y|ies))?\b/i),
    p('PR', /\bPRs?\b|\bpull[- ]requests?\b|\bmerge requests?\b/, 2),
    p('bug', /\b(?:bugs?|buggy|regression)\b/i),
    p('fix', /\bfix(?:es|ed|ing)?\b|\bpatch\b/i),
    p('refactor', /\brefactor(?:s|ed|ing)?\b|\bclean ?up the code\b/i, 2),
    p('test', /\b(?:unit|integration|e2e|flaky|failing)\s+tests?\b|\btest (?:suite|case|coverage)\b|\btests?\b/i),
    p('git', /\bgit\b|\bcommits?\b|\bbranch(?:es)?\b|\brebase\b|\bcherry-pick\b|\bmerge conflicts?\b/i),
    p(
      'cli command',
      /\b(?:npm|npx|yarn|pnpm|pip|poetry|cargo|go|make|docker|kubectl|tsc|pytest|jest|vitest)\s+(?:install|i|run|test|build|add|exec|start|compose|up|init|lint|publish|get|apply|-[a-z])\b/i,
      2,
    ),
    p(null, new RegExp(`[\\w\\-/]\\.(?:${EXTENSIONS})\\b`, 'i'), 2),
    p(
      'file path',
      /(?:^|\s)(?:\.{1,2}\/|~\/|\/?(?:src|lib|test|tests|app|packages|scripts|cmd|internal|pkg|controller|workers|components)\/)[\w.\-/]*/i,
      2,
    ),
    p('GitHub URL', /\b(?:github\.com|gitlab\.com|bitbucket\.org)\//i, 2),
    p(
      'stack trace',
      /\bat \S+ \(\S+:\d+:\d+\)|Traceback \(most recent call last\)|\b\w+(?:Error|Exception): |panicked at|Segmentation fault|exit code \d+/,
      2,
    ),
    p('code', /\bcode(?:base)?\b|\bsource files?\b/i),
    p('implement', /\bimplement(?:s|ed|ing|ation)?\b|\bscaffold\b/i),
    p('debug', /\bdebug(?:s|ged|ging)?\b|\btroubleshoot\b/i),
    p(
      'function',
      /\bfunctions?\b|\bmethods?\b|\bclass(?:es)?\b|\binterfaces?\b|\bmodules?\b|\bcomponents?\b|\bvariables?\b/i,
    ),
    p(
      'language',
      /\b(?:typescript|javascript|python|rust|golang|java|kotlin|c\+\+|c#|ruby|php|node(?:\.js)?|react|next\.js|vue|django|flask|fastapi|express|sql|bash|powershell|graphql)\b/i,
    ),
    p(
      'build',
      /\b(?:build(?:s|ing)?|compil(?:e|es|er|ation)|lint(?:er|ing)?|CI|pipeline|deploy(?:s|ed|ment)?|dockerfile|webpack|vite)\b/i,
    ),
    p(
      'error',
      /\b(?:exceptions?|crash(?:es|ed|ing)?|stack ?traces?|segfault|null pointer|undefined is not|type errors?|compile errors?|memory leak)\b/i,
    ),
    p(
      'dependency',
      /\b(?:dependenc(?:y|ies)|upgrade \S+ to v?\d|bump \S+|package\.json|requirements\.txt|lockfile)\b/i,
    ),
    p('api', /\b(?:api|endpoints?|cli|sdk|regex|scripts?|migrations?|schema|database|queries|unit)\b/i),
    // Parts of an application people ask to change ("add a toggle to the settings screen").
    p(
      'app part',
      /\b(?:pages?|screens?|buttons?|forms?|sidebar|navbar|modal|dropdown|toggle|editor|frontend|front-end|backend|back-end|server|app|website|ui|dashboard|login|sign-?up|checkout|search box|progress bar|websockets?|http client|webhooks?|cron(?: job)?)\b/i,
    ),
    p(
      'change',
      /\b(?:add|remove|delete|rename|migrate|upgrade|bump|port|convert|wire up|set up|configure|replace|speed up|optimi[sz]e|profile|roll (?:it )?back|revert|stub|mock)\b/i,
    ),
    p(
      'broken',
      /\b(?:throws?|fails?|failing|failed|broken|doesn'?t (?:work|load|start|build)|won'?t (?:start|come up|build|compile|load)|stopped (?:working|running)|keeps? (?:restarting|crashing|failing|getting)|hangs|leaks?|OOM\w*|time(?:s)? ?out)\b|\b(?:a|an|HTTP) [45]\d\d\b/i,
    ),
    p(
      'tooling',
      /\b(?:eslint|prettier|jest|mocha|pytest|webpack|babel|docker(?:-compose)?|compose stack|kubernetes|k8s|helm|pods|terraform|nginx|postgres(?:ql)?|mysql|redis|mongo(?:db)?|sqlite|sentry|dependabot|github actions?|pre-commit|hooks?|makefile|env(?:ironment)? var(?:iable)?s?|feature flags?|snapshots?|type hints|staging|localhost|CORS|logging|logs|telemetry|index(?:es)?|cache|idempotent|debounce)\b/i,
    ),
  ],
  local: [
    p('summarize', /\bsummar(?:ize|ise|ies|y|izing|ising)\b|\btl;?dr\b|\bsum up\b/i, 2),
    p('draft', /\bdraft(?:s|ing)?\b/i, 2),
    p('compose', /\bcompos(?:e|ing)\b|\bwrite (?:me |up )?(?:a|an|the|some|my)\b/i),
    p(
      'rewrite',
      /\b(?:re-?write|rephrase|paraphrase|proofread|reword|polish|shorten|condense|simplify|edit (?:my|this|the) (?:text|wording|paragraph|essay|copy))\b/i,
      2,
    ),
    p(
      'make it read better',
      /\bmake (?:this|it|that) (?:\w+ )?(?:shorter|longer|friendlier|clearer|punchier|simpler|warmer|more \w+|less \w+|sound \w+)\b/i,
      2,
    ),
    p(
      'email',
      /\b(?:e-?mails?|letters?|memos?|replies|reply to|messages?|newsletters?|announcements?|press release|cover letter|linkedin post|tweets?|thank[- ]you note)\b/i,
    ),
    p(
      'translate',
      /\btranslat(?:e|es|ion|ing)\b|\bin (?:french|spanish|german|japanese|chinese|italian|portuguese|dutch)\b/i,
      2,
    ),
    p(
      'brainstorm',
      /\bbrainstorm(?:ing)?\b|\bideas? for\b|\bcome up with\b|\bsuggest (?:some )?names?\b|\bslogans?\b|\btaglines?\b|\boutline\b/i,
      2,
    ),
    p(
      'occasion',
      /\b(?:birthday|wedding|farewell|condolences?|sympathy|congratulat\w*|anniversary|retirement|welcome message|out[- ]of[- ]office|invit(?:e|ation)s?)\b/i,
    ),
    p(
      'piece',
      /\b(?:notes?|cards?|bio|intro(?:duction)?|abstract|description|recap|list|plan|questions|itinerary|review of)\b/i,
    ),
    p('creative', /\b(?:poems?|haikus?|story|stories|jokes?|limerick|lyrics|toast|speech)\b/i),
    p('tone', /\b(?:tone|formal|friendlier|more concise|shorter|grammar|spelling|wording|punctuation)\b/i),
    p('notes', /\b(?:meeting notes|minutes|agenda|talking points|bullet points|action items|checklist)\b/i),
    p('headline', /\b(?:headlines?|titles?|captions?|subject lines?|blurb|bio|product description)\b/i),
    p('explain', /\bexplain(?: like|\s+(?:to|in simple|this|what|how|why))\b|\beli5\b|\bin plain (?:english|words)\b/i),
    p('text', /\b(?:paragraphs?|essay|article|blog post|text|document|report)\b/i),
  ],
  research: [
    p('research', /\bresearch(?:es|ed|ing)?\b/i, 2),
    p('investigate', /\binvestigat(?:e|es|ed|ing|ion)\b|\blook into\b|\bdig into\b|\bdeep[- ]dive\b/i, 2),
    p('compare', /\bcompar(?:e|es|ed|ing|ison)\b|\bvs\.?\b|\bversus\b|\bdifferences? between\b/i),
    p('look up', /\bfind out\b|\blook up\b|\bsearch (?:for|the web)\b|\bfact[- ]check\b|\bverify whether\b/i, 2),
    p(
      'sources',
      /\b(?:sources|citations?|cite|references|papers|literature|studies|evidence|statistics|data on)\b/i,
      2,
    ),
    p('market', /\b(?:market|competitors?|competitive|landscape|pricing|vendors?|industry|adoption)\b/i),
    p(
      'evaluate',
      /\b(?:pros and cons|trade-?offs?|alternatives?|options for|evaluate|assessment|recommend(?:ation)?s?|which (?:is|one) (?:better|best))\b/i,
    ),
    p(
      'current',
      /\b(?:latest|current(?:ly)?|recent|news|this year|trends?|state of|20[2-3]\d|right now|these days|nowadays|this (?:week|weekend|month))\b/i,
    ),
    p(
      'analysis',
      /\b(?:analy[sz](?:e|is|es)|survey|overview|in-depth|what are the|how do(?:es)? \w+ (?:compare|work)|history of)\b/i,
    ),
    p(
      'question',
      /^\s*(?:what|which|who|where|when|how|is there|are there|is it|can (?:i|we)|should (?:i|we)|do (?:i|we)|does)\b|\?\s*$/i,
    ),
    p(
      'best',
      /\b(?:best|top[- ]rated|best[- ]rated|most popular|cheapest|worth (?:it|switching|moving|buying)|hold (?:their|its) value|recommended)\b/i,
    ),
    p('money', /\b(?:costs?|prices?|how much|salar(?:y|ies)|fees?|income|rates|budget|euros?|dollars)\b/i),
    p(
      'rules',
      /\b(?:laws?|legal|regulations?|rules for|requirements? for|compliance|compliant|GDPR|visas?|tax(?:es)?|subsid(?:y|ies)|grants?|recalls?|deduct(?:ible|ion)?|trademarks?)\b/i,
    ),
    p(
      'opinions',
      /\b(?:reviews|reviewers|what (?:are )?people (?:are )?(?:say|saying|think)|opinions?|consensus|reputable|experiences? with)\b/i,
    ),
    p(
      'find',
      /\bfind (?:me )?(?:a |an |the |some |good |recent |reputable |cheap |\d+ |three |five |ten )|\bgather\b|\bcollect (?:a few |some )?(?:\w+ )?(?:examples|sources|data|stats)|\bwho (?:sells|makes|offers|provides)\b/i,
    ),
    p('events', /\bwhat happened\b|\btimeline\b|\boutages?\b/i),
  ],
};

export interface KeywordScores {
  scores: Record<QueueName, number>;
  patterns: Record<QueueName, string[]>;
}

export interface KeywordVerdict extends KeywordScores {
  /** Set when the keywords alone decide: a leader with score >= 2 and no tie. */
  decided?: { queue: QueueName; confidence: number; patterns: string[] };
  /** The sole leader even when undecided (used when the LLM is unavailable). */
  leader?: QueueName;
}

/** Minimum weighted score for a keyword decision without the LLM. */
export const DECISION_SCORE = 2;

export function scoreKeywords(text: string): KeywordScores {
  const scores: Record<QueueName, number> = { code: 0, local: 0, research: 0 };
  const patterns: Record<QueueName, string[]> = { code: [], local: [], research: [] };
  for (const queue of Object.keys(KEYWORD_FAMILIES) as QueueName[]) {
    for (const keyword of KEYWORD_FAMILIES[queue]) {
      const match = keyword.pattern.exec(text);
      if (!match) continue;
      scores[queue] += keyword.weight;
      const label = keyword.label ?? match[0].slice(match[0].lastIndexOf('.'));
      if (!patterns[queue].includes(label)) patterns[queue].push(label);
    }
  }
  return { scores, patterns };
}

export function classifyByKeywords(text: string): KeywordVerdict {
  const result = scoreKeywords(text);
  const ranked = (Object.keys(result.scores) as QueueName[]).sort((a, b) => result.scores[b] - result.scores[a]);
  const [first, second] = ranked as [QueueName, QueueName, QueueName];
  const top = result.scores[first];
  const runnerUp = result.scores[second];
  if (top === 0 || top === runnerUp) return result;
  const verdict: KeywordVerdict = { ...result, leader: first };
  if (top >= DECISION_SCORE) {
    // 0.6 for a narrow lead, approaching 0.95 when nothing else matched.
    const confidence = Math.min(0.95, 0.6 + 0.35 * (1 - runnerUp / top) + 0.02 * Math.min(top - DECISION_SCORE, 5));
    verdict.decided = {
      queue: first,
      confidence: Math.round(confidence * 100) / 100,
      patterns: result.patterns[first],
    };
  }
  return verdict;
}
