/** SVG icons for the agents and their tools: they never depend on an emoji font. */
import {
  Bot,
  ChartCandlestick,
  ChartColumn,
  ChartLine,
  Compass,
  FileText,
  Landmark,
  Wrench,
  type LucideIcon,
} from "lucide-react";

const AGENTS: Record<string, LucideIcon> = {
  Orchestrator: Compass,
  CryptoMarketAnalyst: ChartColumn,
  TechnicalAnalyst: ChartCandlestick,
  ChartingAgent: ChartLine,
  ExchangeAnalyst: Landmark,
  ReportWriter: FileText,
};

export function AgentIcon({ agent, size = 15 }: { agent: string; size?: number }) {
  const Icon = AGENTS[agent] ?? Bot;
  return <Icon size={size} aria-hidden="true" className="agent-icon" />;
}

export function ToolIcon({ size = 14 }: { size?: number }) {
  return <Wrench size={size} aria-hidden="true" className="tool-icon" />;
}
