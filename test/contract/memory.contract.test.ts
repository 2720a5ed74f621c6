import { createMemoryRepositories } from '../../src/repositories/memory';
import { describeRepositoryContract } from './repositories.contract';

describeRepositoryContract('in-memory', async () => {
  const repos = createMemoryRepositories();
  return { repos, cleanup: () => repos.close() };
});
