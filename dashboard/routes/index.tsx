import { Island } from "../components/Island.tsx";
import { Panel } from "../components/Panel.tsx";
import Diagnostics from "../islands/Diagnostics.tsx";
import LiveFeed from "../islands/LiveFeed.tsx";
import SentimentChart from "../islands/SentimentChart.tsx";
import ServerTotals from "../islands/ServerTotals.tsx";
import SourceShare from "../islands/SourceShare.tsx";
import StatusBar from "../islands/StatusBar.tsx";
import TagCards from "../islands/TagCards.tsx";

/** Data the server passes to the page. */
export interface HomeProps {
  maxComments: number;
}

/** The dashboard page. Every panel is an island fed by live queries in the browser. */
export default function Home({ maxComments }: HomeProps) {
  const scope = `computed from the ${maxComments.toLocaleString("en-US")} most recent comments`;
  return (
    <>
      <header class="page-header">
        <h1>Comment sentiment</h1>
        <Island name="StatusBar" component={StatusBar} props={{ limit: maxComments }} />
      </header>
      <main class="grid">
        <Panel id="tags" title="Comments by sentiment" note={scope} class="span-2">
          <Island name="TagCards" component={TagCards} props={{}} />
        </Panel>
        <Panel
          id="chart"
          class="span-2"
          title="Sentiment over time"
          note="Comments per minute, by creation time"
        >
          <Island name="SentimentChart" component={SentimentChart} props={{}} />
        </Panel>
        <Panel id="sources" title="Share by source" note={scope}>
          <Island name="SourceShare" component={SourceShare} props={{}} />
        </Panel>
        <Panel id="totals" title="All-time totals" note="From the server, not only this browser">
          <Island name="ServerTotals" component={ServerTotals} props={{}} />
        </Panel>
        <Panel id="feed" title="Live feed" class="span-2 feed-panel">
          <Island name="LiveFeed" component={LiveFeed} props={{}} />
        </Panel>
      </main>
      <footer class="page-footer">
        <Island name="Diagnostics" component={Diagnostics} props={{ limit: maxComments }} />
      </footer>
    </>
  );
}
