import { type Knowledge, loadKnowledge } from "../knowledge/load.js";
import { loadDictionary } from "./dictionary.js";
import { type Glossary, loadGlossary } from "./glossary.js";
import { loadWordVectors, type WordVectors } from "./neighbours.js";
import { createRetriever, type Retriever } from "./retriever.js";

export interface Retrieval {
  knowledge: Knowledge;
  glossary: Glossary;
  /** The compact CC-CEDICT word list, when `npm run build` made it. */
  dictionary: string | undefined;
  /** The English word vectors, when `npm run build` made them (and they were asked for). */
  vectors: WordVectors | undefined;
  retriever: Retriever;
}

export interface RetrievalOptions {
  /** Load the English word vectors (the neighbour bridge). Default true. */
  vectors?: boolean;
  /** Told when a built file is missing, so retrieval runs without that bridge. */
  onMissing?: (message: string) => void;
}

/**
 * The knowledge and its retrieval as the bot runs it: the knowledge files, the glossary, the dictionary
 * bridge and the word-vector bridge, loaded together. One place for the bot, the evaluation and the tests.
 */
export async function loadRetrieval(
  paths: { knowledgeDir: string; glossaryPath: string },
  options: RetrievalOptions = {},
): Promise<Retrieval> {
  const [knowledge, glossary, dictionary, vectors] = await Promise.all([
    loadKnowledge(paths.knowledgeDir),
    loadGlossary(paths.glossaryPath),
    loadDictionary(),
    options.vectors === false ? undefined : loadWordVectors(),
  ]);
  if (!dictionary)
    options.onMissing?.("no CC-CEDICT word list (npm run build makes it): retrieval runs without it");
  if (!vectors && options.vectors !== false)
    options.onMissing?.("no English word vectors (npm run build makes them): retrieval runs without them");
  const retriever = createRetriever(knowledge.sections, glossary, { dictionary, vectors });
  return { knowledge, glossary, dictionary, vectors, retriever };
}
