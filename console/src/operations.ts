/** Every GraphQL operation the console sends, by name: the page and the test suite (which checks that each is refused without a key) share them. */
export const OPERATIONS = {
  checkKey: /* GraphQL */ `query CheckKey { datasets(first: 1) { items { id } } }`,
  datasets: /* GraphQL */ `query Datasets($after: String) {
    datasets(first: 50, after: $after) {
      items {
        id name sampleCount createdAt
        tags(first: 100) { items { name } nextCursor }
        selectionRuns(first: 1) { items { id status resultTagName createdAt } }
      }
      nextCursor
    }
  }`,
  dataset: /* GraphQL */ `query Dataset($id: ID!) {
    dataset(id: $id) {
      id name sampleCount embeddingDimension createdAt
      tags(first: 100) { items { name count createdBy createdAt } nextCursor }
      uploads { id status createdAt committedAt samplesAdded error }
      selectionRuns(first: 50) { items { id status phase resultTagName createdAt finishedAt picksSoFar } nextCursor }
    }
  }`,
  datasetName: /* GraphQL */ `query DatasetName($id: ID!) { dataset(id: $id) { id name } }`,
  run: /* GraphQL */ `query Run($id: ID!) {
    selectionRun(id: $id) {
      id datasetId status phase config resultTagName inputTagName preselectedTagName
      createdAt startedAt finishedAt shardsTotal shardsDone picksSoFar failureReason
      summary { poolSize requested selected preselected dropped { reason count } stopReason notes }
      timings { phase milliseconds }
      resultTag { name count }
      report { htmlUrl }
    }
  }`,
  tag: /* GraphQL */ `query Tag($datasetId: ID!, $name: String!, $after: String) {
    dataset(id: $datasetId) {
      id name
      tag(name: $name) { name count createdBy createdAt parent samples(first: 100, after: $after) { items { fileName thumbnailUrl } nextCursor } }
    }
  }`,
  tagDownload: /* GraphQL */ `query TagDownload($datasetId: ID!, $name: String!) {
    dataset(id: $datasetId) { tag(name: $name) { downloadUrl } }
  }`,
  startSelection: /* GraphQL */ `mutation StartSelection($datasetId: ID!, $config: JSON!, $resultTagName: String!, $inputTagName: String, $preselectedTagName: String) {
    startSelection(datasetId: $datasetId, config: $config, resultTagName: $resultTagName, inputTagName: $inputTagName, preselectedTagName: $preselectedTagName) { id status }
  }`,
  cancelSelection: /* GraphQL */ `mutation CancelSelection($id: ID!) { cancelSelection(id: $id) { id status } }`,
  combineTags: /* GraphQL */ `mutation CombineTags($name: String!, $operation: TagOperation!, $left: TagRefInput!, $right: TagRefInput!) {
    combineTags(name: $name, operation: $operation, left: $left, right: $right) { name count }
  }`,
} as const;

