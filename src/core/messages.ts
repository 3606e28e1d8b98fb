import type { BotError } from "./errors.js";
import type { Lang } from "./lang.js";

type Render = (e: BotError) => string;

const retryIn = (e: BotError, lang: Lang) =>
  e.retryAfterSeconds === undefined
    ? lang === "zh"
      ? "请稍后再试。"
      : "Please try again in a moment."
    : lang === "zh"
      ? `请 ${e.retryAfterSeconds} 秒后再试。`
      : `Please try again in ${e.retryAfterSeconds} seconds.`;

const NOT_ALLOWED = "This bot isn't enabled for you or this channel.";

/** Added to an answer a previous run was killed in the middle of (kill -9, OOM), when the next run starts. */
export const RESTARTED_NOTICE = "I restarted before I could finish this answer. Please ask again.";

const MESSAGES: Record<Lang, Record<BotError["code"], Render>> = {
  en: {
    config_invalid: () => "The bot is misconfigured. Ask its admin to check the logs.",
    knowledge_invalid: () => "The bot's knowledge could not be loaded. Ask its admin to check the logs.",
    question_empty: (e) => `Ask me a question about LLMs, e.g. ${e.message} — or try \`help\`.`,
    question_too_long: (e) => `That question is too long. ${e.message} Please shorten it and ask again.`,
    unknown_command: (e) => `${e.message} Try \`help\` to see what I can do.`,
    llm_timeout: (e) => `The language model took too long to answer. ${retryIn(e, "en")}`,
    llm_rate_limited: (e) => `The language model provider is rate-limiting us right now. ${retryIn(e, "en")}`,
    llm_auth: () =>
      "The language model rejected the bot's credentials. Ask the bot's admin to check OPENAI_API_KEY.",
    llm_unavailable: (e) => `The language model is unavailable right now. ${retryIn(e, "en")}`,
    llm_bad_response: () =>
      "The language model refused this request. Ask the bot's admin to check OPENAI_MODEL.",
    llm_not_found: () =>
      "The language model's address answered \"not found\". Ask the bot's admin to check OPENAI_BASE_URL (it usually ends in /v1) and OPENAI_MODEL.",
    llm_context_too_long: () =>
      "The memo and this question are more than the language model can take at once. Ask the bot's admin to lower KNOWLEDGE_TOKEN_BUDGET or use a model with a larger context.",
    llm_empty: () => "The language model sent back an empty answer. Please ask again.",
    llm_filtered: () =>
      "The language model's provider stopped this answer with its content filter. Try asking it another way.",
    stream_interrupted: () =>
      "The answer was cut off before it finished, so I discarded it. Please ask again.",
    user_rate_limited: (e) => `You're asking faster than this bot allows. ${retryIn(e, "en")}`,
    budget_exhausted: (e) => `This workspace has used today's answer budget. ${retryIn(e, "en")}`,
    not_allowed: () => NOT_ALLOWED,
    shutting_down: () => "The bot is restarting. Please ask again in a moment.",
    memory_unavailable: () =>
      "I can't reach my conversation memory right now, so I couldn't do that. Please try again in a moment.",
    internal: () => "Something went wrong on my side.",
  },
  zh: {
    config_invalid: () => "机器人配置有误,请联系管理员查看日志。",
    knowledge_invalid: () => "机器人的知识库无法加载,请联系管理员查看日志。",
    question_empty: (e) => `请提一个关于大语言模型的问题,例如 ${e.message},或输入 \`help\` 查看用法。`,
    question_too_long: (e) => `问题太长了。${e.message} 请缩短后再问。`,
    unknown_command: (e) => `${e.message} 输入 \`help\` 查看可用命令。`,
    llm_timeout: (e) => `语言模型响应超时。${retryIn(e, "zh")}`,
    llm_rate_limited: (e) => `语言模型服务商正在限流。${retryIn(e, "zh")}`,
    llm_auth: () => "语言模型拒绝了机器人的凭据,请管理员检查 OPENAI_API_KEY。",
    llm_unavailable: (e) => `语言模型暂时不可用。${retryIn(e, "zh")}`,
    llm_bad_response: () => "语言模型拒绝了这个请求,请管理员检查 OPENAI_MODEL。",
    llm_not_found: () =>
      "语言模型的地址返回了“找不到”,请管理员检查 OPENAI_BASE_URL(通常以 /v1 结尾)和 OPENAI_MODEL。",
    llm_context_too_long: () =>
      "备忘录加上这个问题超出了语言模型一次能接受的长度,请管理员调低 KNOWLEDGE_TOKEN_BUDGET 或换用上下文更长的模型。",
    llm_empty: () => "语言模型返回了空回答,请再问一次。",
    llm_filtered: () => "语言模型服务商的内容过滤中止了这个回答,请换个问法再试。",
    stream_interrupted: () => "回答中途被截断,已丢弃。请再问一次。",
    user_rate_limited: (e) => `你提问太频繁了。${retryIn(e, "zh")}`,
    budget_exhausted: (e) => `这个工作区今天的回答额度已用完。${retryIn(e, "zh")}`,
    not_allowed: () => "这个机器人没有为你或这个频道开启。",
    shutting_down: () => "机器人正在重启,请稍后再问。",
    memory_unavailable: () => "暂时无法访问对话记忆,这个操作没有完成。请稍后再试。",
    internal: () => "机器人内部出错了。",
  },
};

/** The words a user sees for an error, with a short reference that matches the log line. */
export function userMessage(error: BotError, lang: Lang, correlationId: string): string {
  const text = MESSAGES[lang][error.code](error);
  return `${text} (ref: ${correlationId})`;
}

/** What the person who clicked 👍/👎 is told (privately): thanks, or that the bot is not enabled for them. */
export function feedbackReply(outcome: "recorded" | "duplicate" | "not_allowed"): string {
  return outcome === "not_allowed" ? NOT_ALLOWED : "Thanks for the feedback!";
}
