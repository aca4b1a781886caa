// A second subgraph, as a government platform would run one: 排污许可证 (discharge
// permits) held by units, joined to ecohost's Unit by 统一社会信用代码.
import { parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';

export const permitsTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])

  type Query {
    "Every permit this platform holds."
    nationalPermits: [NationalPermit!]!
  }

  "排污许可证 as the national platform records it (ecohost has a Permit type of its own)."
  type NationalPermit {
    number: String!
    "The unit holding it; null where ecohost does not show it to the caller."
    holder: Unit
  }

  type Unit @key(fields: "uscc") {
    uscc: String!
    nationalPermitNumbers: [String!]!
  }
`);

// permits: [{ number, uscc }]
export function permitsSchema(permits) {
  const numbersOf = (uscc) => permits.filter((p) => p.uscc === uscc).map((p) => p.number);
  return buildSubgraphSchema({
    typeDefs: permitsTypeDefs,
    resolvers: {
      Query: {
        nationalPermits: () => permits.map((p) => ({ number: p.number, holder: { uscc: p.uscc } })),
      },
      Unit: {
        __resolveReference: (ref) => ({ uscc: ref.uscc }),
        nationalPermitNumbers: (unit) => numbersOf(unit.uscc),
      },
    },
  });
}
