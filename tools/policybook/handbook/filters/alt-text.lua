-- policybook: images with their alternative text, admonitions as framed blocks, and numbered lists
-- alternative text (pandoc's Typst writer leaves it out). Paths were made safe before pandoc ran.
local function typst_string(text)
  return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

-- Links are written here, not by pandoc's writer, which leaves text such as `.com` straight after a link
-- to be read as a field of it (and the handbook then fails to typeset); the `;` ends the call. A link to
-- another policy (convert.py marks it `#pb-xref-LABEL`) becomes pb-link from pb.typ, which goes to that
-- policy when the edition holds it and to the staff site otherwise. Targets are Typst strings.
local XREF = '#pb-xref-'
local SPLIT = 'pb-split-'
local URGENT = 'pb-urgent-'

function Link(link)
  local target = link.target
  local opening
  if target:sub(1, #XREF) == XREF then
    opening = '#pb-link(' .. typst_string(target:sub(#XREF + 1)) .. ')['
  elseif target:sub(1, 1) == '#' then
    opening = '#link(label(' .. typst_string(target:sub(2)) .. '))['
  else
    opening = '#link(' .. typst_string(target) .. ')['
  end
  local inlines = pandoc.List({pandoc.RawInline('typst', opening)})
  inlines:extend(link.content)
  inlines:insert(pandoc.RawInline('typst', '];'))
  return inlines
end

function Image(image)
  local alt = pandoc.utils.stringify(image.caption)
  return pandoc.RawInline('typst',
    '#box(image(' .. typst_string(image.src) .. ', alt: ' .. typst_string(alt) .. ', width: 80%))')
end

-- Admonitions (`!!! note "Title"` in the policy: a div whose title is a div of its own) become a
-- framed Typst block with the title in bold. The title is passed as a Typst string, never as markup.
function Div(div)
  -- A body in a batch (convert.py, convert_all): a comment line that marks where it starts.
  if div.identifier:sub(1, #SPLIT) == SPLIT then
    local blocks = pandoc.List({pandoc.RawBlock('typst', '// ' .. div.identifier)})
    blocks:extend(div.content)
    return blocks
  end
  -- A body's urgent section (convert.py, render): comment lines that mark where it starts and ends, so
  -- that the template can print it before the policy's document control.
  if div.identifier:sub(1, #URGENT) == URGENT then
    local blocks = pandoc.List({pandoc.RawBlock('typst', '// ' .. div.identifier .. ' start')})
    blocks:extend(div.content)
    blocks:insert(pandoc.RawBlock('typst', '// ' .. div.identifier .. ' end'))
    return blocks
  end
  if not div.classes:includes('admonition') then
    return nil
  end
  local title = nil
  local content = pandoc.List()
  for _, block in ipairs(div.content) do
    if title == nil and block.t == 'Div' and block.classes:includes('admonition-title') then
      title = pandoc.utils.stringify(block)
    else
      content:insert(block)
    end
  end
  local opening = '#block(width: 100%, stroke: 1pt + black, inset: 8pt, breakable: true)['
  if title ~= nil and title ~= '' then
    opening = opening .. '#strong(' .. typst_string(title) .. ')\n'
  end
  local blocks = {pandoc.RawBlock('typst', opening)}
  for _, block in ipairs(content) do
    table.insert(blocks, block)
  end
  table.insert(blocks, pandoc.RawBlock('typst', ']'))
  return blocks
end

-- A rule between sections: pandoc writes `#horizontalrule`, which only its own template defines.
function HorizontalRule()
  return pandoc.RawBlock('typst', '#line(length: 100%, stroke: 0.5pt)')
end

-- Text Typst would read as markup that pandoc's writer leaves alone (`-?` is a soft hyphen in Typst):
-- written as a Typst string, so it prints exactly as the policy says.
function Str(text)
  if text.text:find('-?', 1, true) then
    return pandoc.RawInline('typst', '#' .. typst_string(text.text))
  end
  return nil
end

-- Every numbered list states its own numbering. Pandoc writes a list that starts at 2 as
-- `#set enum(start: 2)` around it, and a Typst set rule also reaches the lists nested inside, so a
-- nested list would otherwise go on from 2 in the PDF while the site starts it at 1.
-- (The writer leaves out the set rule only for the style it treats as plain, so each list is given
-- an explicit decimal style and keeps its default delimiter.)
function OrderedList(list)
  list.style = 'Decimal'
  list.delimiter = 'DefaultDelim'
  return list
end

-- Table cells without an alignment of their own are left aligned, as on the staff site (pandoc centres
-- its tables, and a cell with no alignment would follow): clear print guidance is left aligned text.
function Table(tbl)
  for index, spec in ipairs(tbl.colspecs) do
    if spec[1] == 'AlignDefault' then
      tbl.colspecs[index] = {'AlignLeft', spec[2]}
    end
  end
  return tbl
end
